import { z } from 'zod';
import { SeveritySchema } from './alert.js';
import { parseDuration } from './duration.js';
import { parseCidr } from './cidr.js';
import { compileRuleRegex } from './matchers.js';
import { MAX_SEQUENCE_ENTRIES, MAX_WINDOW_ENTRIES } from './state.js';

/**
 * The rule file format. Every object is strict: a misspelled key is an error,
 * not a silently ignored setting (ElastAlert's classic trap).
 */

export const DurationSchema = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, {
    message: 'expected a duration like 30s, 5m, 1h or 1d (a positive whole number and one unit)',
  });

/** A field path into an event: `ip`, `details.request.path`. */
const FIELD_PATH = /^[A-Za-z_$][\w$-]*(\.[\w$-]+)*$/;
const FIELD_PATH_MESSAGE = 'expected a field path like ip or details.request.path';
const FieldPathSchema = z.string().regex(FIELD_PATH, FIELD_PATH_MESSAGE);

/** Every operator of a condition, in the order messages list them. */
export const OPERATORS = ['equals', 'not_equals', 'in', 'not_in', 'contains', 'regex', 'not_regex', 'cidr', 'not_cidr', 'exists'] as const;

const ScalarSchema = z.union([z.string(), z.number(), z.boolean()]);

/** RE2 syntax (see compileRuleRegex): a pattern RE2 cannot run is an error naming why. */
const RegexSchema = z.string().superRefine((source, ctx) => {
  try {
    compileRuleRegex(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `invalid regex: ${(error as Error).message}` });
  }
});

const CidrSchema = z.string().superRefine((text, ctx) => {
  if (!parseCidr(text)) ctx.addIssue({ code: 'custom', message: `invalid CIDR '${text}' (expected e.g. 10.0.0.0/8 or 2001:db8::/32)` });
});
const CidrListSchema = z.union([CidrSchema, z.array(CidrSchema).min(1)]);

/** Conditions on one field; every operator given must hold. */
export const ConditionSchema = z
  .strictObject({
    equals: ScalarSchema.optional(),
    /** The field is present and differs (an absent field does not match; see `exists`). */
    not_equals: ScalarSchema.optional(),
    in: z.array(ScalarSchema).min(1).optional(),
    /** The field is present and is none of these. */
    not_in: z.array(ScalarSchema).min(1).optional(),
    /** Substring, case-insensitive. */
    contains: z.string().min(1).optional(),
    /** RE2 regular expression (linear time), case-insensitive, unanchored. */
    regex: RegexSchema.optional(),
    /** The field is present and the expression matches none of its values. */
    not_regex: RegexSchema.optional(),
    cidr: CidrListSchema.optional(),
    /** The field is an IP address outside these ranges. */
    not_cidr: CidrListSchema.optional(),
    /** `true`: the field holds something; `false`: it is absent, null or empty. */
    exists: z.boolean().optional(),
  })
  .refine((condition) => Object.values(condition).some((value) => value !== undefined), {
    message: `expected at least one operator: ${OPERATORS.join(', ')}`,
  });
export type Condition = z.infer<typeof ConditionSchema>;

/**
 * `where`: field paths to conditions, all of which must hold, plus two
 * combinators: `any` (a list of where-blocks, at least one must hold) and `not`
 * (a where-block that must not hold as a whole). Unlike `not_equals`, `not`
 * negates literally: an event without the field satisfies `not: { f: { equals: x } }`.
 */
export interface Where {
  any?: Where[];
  not?: Where;
  [field: string]: Condition | Where | Where[] | undefined;
}

export const WHERE_COMBINATORS = ['any', 'not'] as const;

export const WhereSchema: z.ZodType<Where> = z
  .object({
    get any() {
      return z.array(WhereSchema).min(1, 'any needs at least one block of conditions').optional();
    },
    get not() {
      return WhereSchema.optional();
    },
  })
  .catchall(ConditionSchema)
  .superRefine((where, ctx) => {
    for (const key of Object.keys(where)) {
      if (!FIELD_PATH.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: FIELD_PATH_MESSAGE });
    }
  });

export const MatchSchema = z.strictObject({
  /** Exact codes or globs like "gd_*"; exact codes must exist in the catalog. */
  codes: z.array(z.string().min(1, 'empty code')).min(1, 'codes must list at least one code'),
  where: WhereSchema.optional(),
});

export const ThresholdSchema = z.strictObject({
  count: z
    .number()
    .int()
    .min(1)
    .max(MAX_WINDOW_ENTRIES, `count can be at most ${MAX_WINDOW_ENTRIES} (a window keeps that many events)`),
  window: DurationSchema,
  group_by: z.array(FieldPathSchema).optional(),
  distinct: FieldPathSchema.optional(),
});
export type Threshold = z.infer<typeof ThresholdSchema>;

/** One step of a sequence: which events it takes, how many, and (when it differs) which fields key them. */
export const SequenceStepSchema = z.strictObject({
  /** How the message names the step ("failed logins"); default: its codes. */
  name: z.string().min(1).max(80).optional(),
  /** Exact codes or globs, like match.codes. */
  codes: z.array(z.string().min(1, 'empty code')).min(1, 'codes must list at least one code'),
  where: MatchSchema.shape.where,
  /** At least this many events (default 1) before the next step counts. */
  count: z.number().int().min(1).max(MAX_SEQUENCE_ENTRIES / 2, `count can be at most ${MAX_SEQUENCE_ENTRIES / 2}`).optional(),
  /** Count distinct values of this field among the step's events instead of events (failures for 10 different users). */
  distinct: FieldPathSchema.optional(),
  /** The fields keying this step's events, joined position by position to sequence.by (default: sequence.by). */
  by: z.array(FieldPathSchema).min(1).optional(),
});
export type SequenceStep = z.infer<typeof SequenceStepSchema>;

/** Ordered steps for one key within a time bound: "≥ 5 failed logins, then a success, for one user within 10m". */
export const SequenceSchema = z
  .strictObject({
    by: z.array(FieldPathSchema).min(1, 'by must name at least one field'),
    within: DurationSchema,
    steps: z.array(SequenceStepSchema).min(2, 'a sequence needs at least two steps').max(8, 'a sequence has at most 8 steps'),
  })
  .superRefine((sequence, ctx) => {
    sequence.steps.forEach((step, index) => {
      if (step.by && step.by.length !== sequence.by.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 'by'],
          message: `expected ${sequence.by.length} field(s), joined in order to sequence.by (${sequence.by.join(', ')})`,
        });
      }
    });
  });
export type Sequence = z.infer<typeof SequenceSchema>;

/** Consecutive logins of one key (user) too far apart for the time between them (defaults as Datadog's rule). */
export const ImpossibleTravelSchema = z.strictObject({
  by: z.array(FieldPathSchema).min(1).default(['user_id']),
  /** Only jumps longer than this (great-circle distance) count. */
  min_distance_km: z.number().positive().default(500),
  /** … and only when faster than this. */
  min_speed_kmh: z.number().positive().default(1_000),
});
export type ImpossibleTravel = z.infer<typeof ImpossibleTravelSchema>;

/** A value of `field` never seen before for the key (e.g. a new country for a user). */
export const NewValueSchema = z.strictObject({
  field: FieldPathSchema,
  by: z.array(FieldPathSchema).min(1, 'by must name at least one field'),
  /** Nothing fires for a key until it has been known this long (its first values are its baseline). */
  learn: DurationSchema.optional(),
});
export type NewValue = z.infer<typeof NewValueSchema>;

/** `1h` (one rule-wide incident) or `{ period: 1h, by: [user_id, ip] }` (one incident per value combination). */
export const ThrottleSchema = z.union([
  DurationSchema,
  z.strictObject({ period: DurationSchema, by: z.array(FieldPathSchema).min(1).optional() }),
]);
export type Throttle = z.infer<typeof ThrottleSchema>;

/** One entry of a rule test: an event, or `repeat` copies `every` apart (`{{i}}` in strings = 1-based copy number). */
export const TestEventSchema = z.strictObject({
  event: z.record(z.string(), z.unknown()),
  repeat: z.number().int().min(1).max(100_000).optional(),
  every: DurationSchema.optional(),
  /** Event-time gap before this entry (default 1s after the previous event). */
  after: DurationSchema.optional(),
});
export type TestEvent = z.infer<typeof TestEventSchema>;

export const RuleTestSchema = z.strictObject({
  name: z.string().min(1),
  events: z.array(TestEventSchema).min(1),
  expect: z.strictObject({
    /** Channel messages (kind alert). */
    alerts: z.number().int().min(0),
    /** Repeat messages (thread replies); all test events are evaluated in one batch. */
    repeats: z.number().int().min(0).optional(),
    /** Sum of `count` over every alert and repeat. */
    counted: z.number().int().min(0).optional(),
    /** Sum of `suppressed` over every alert. */
    suppressed: z.number().int().min(0).optional(),
    /** Exact title of the first alert. */
    title: z.string().optional(),
  }),
});
export type RuleTest = z.infer<typeof RuleTestSchema>;

/** The keys that make a rule more than "every matching event". */
export const RULE_KINDS = ['threshold', 'sequence', 'impossible_travel', 'new_value'] as const;

export const RuleSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'id must use only a-z, 0-9 and -'),
    title: z.string().min(1).max(300).optional(),
    description: z.string().optional(),
    severity: SeveritySchema,
    enabled: z.boolean().default(true),
    /** Required, except for sequences (their steps name the codes). */
    match: MatchSchema.optional(),
    threshold: ThresholdSchema.optional(),
    sequence: SequenceSchema.optional(),
    impossible_travel: ImpossibleTravelSchema.optional(),
    new_value: NewValueSchema.optional(),
    throttle: ThrottleSchema.optional(),
    channel: z.string().regex(/^[#@]?[\w.-]+$/, 'expected a channel like #security-alerts or a channel ID').optional(),
    // `none` silences the @here a critical rule gets by default (effectiveMention in slack/format.ts).
    mention: z
      .string()
      .regex(/^(here|channel|none|[UWS][A-Z0-9]{2,})$/, 'expected here, channel, none, or a Slack user/group ID (U…/W…/S…)')
      .optional(),
    runbook: z.string().min(1).optional(),
    tests: z.array(RuleTestSchema).optional(),
  })
  .superRefine((rule, ctx) => {
    const kinds = RULE_KINDS.filter((kind) => rule[kind] !== undefined);
    if (kinds.length > 1) {
      ctx.addIssue({ code: 'custom', path: [kinds[1]!], message: `a rule has one kind: ${kinds.join(' and ')} cannot be combined` });
    }
    if (!rule.match && !rule.sequence) ctx.addIssue({ code: 'custom', path: ['match'], message: 'required' });
    if (rule.match && rule.sequence) {
      ctx.addIssue({ code: 'custom', path: ['match'], message: 'a sequence names its codes in its steps; remove match' });
    }
    const keyed = kinds.find((kind) => kind !== 'threshold');
    if (keyed && typeof rule.throttle === 'object' && rule.throttle.by) {
      ctx.addIssue({ code: 'custom', path: ['throttle', 'by'], message: `a ${keyed} rule groups by ${keyed}.by; remove throttle.by` });
    }
    if (rule.threshold && typeof rule.throttle === 'object' && rule.throttle.by) {
      ctx.addIssue({
        code: 'custom',
        path: ['throttle', 'by'],
        message: 'a threshold rule groups by threshold.group_by; remove throttle.by',
      });
    }
  });
export type Rule = z.infer<typeof RuleSchema>;


/** Every code (or glob) a rule watches: its match codes, or the codes of its sequence steps. */
export function ruleCodes(rule: Pick<Rule, 'match' | 'sequence'>): string[] {
  if (rule.match) return [...rule.match.codes];
  return [...new Set(rule.sequence?.steps.flatMap((step) => step.codes) ?? [])];
}
