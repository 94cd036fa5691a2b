import type { LogEvent } from '../../src/auth0/log-event.js';
import type { Alert } from '../../src/engine/alert.js';
import type { PageEvaluator } from '../../src/run/evaluator.js';

/** Remembers how many events it has seen, so tests can tell that state carries across pages and restarts. */
export interface CountingState {
  seen: number;
}

/** A stand-in rule engine: one alert per failed login (`type: f`), numbered by the events seen so far. */
export function alertOnFailedLogins(): PageEvaluator {
  return {
    initialState: () => ({ seen: 0 }),
    restore: (stored) => stored as CountingState,
    evaluate(state, events: readonly LogEvent[]) {
      let seen = (state as CountingState).seen;
      const alerts: Alert[] = [];
      for (const event of events) {
        seen += 1;
        if (event.type === 'f') alerts.push(alertFor(event, seen));
      }
      return { alerts, state: { seen } };
    },
  };
}

export function alertFor(event: LogEvent, seen = 1): Alert {
  return {
    kind: 'alert',
    reason: 'matched',
    ruleId: 'failed-login',
    title: `Failed login for ${event.user_name ?? 'unknown'}`,
    severity: 'medium',
    incident: `failed-login:${event.log_id}`,
    group: {},
    logIds: [event.log_id],
    count: 1,
    firstDate: event.date,
    lastDate: event.date,
    event,
    suppressed: 0,
    incidentCount: seen,
  };
}
