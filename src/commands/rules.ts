import type { Command } from 'commander';
import { loadCatalog, type Catalog } from '../catalog/index.js';
import { describeRule, loadRuleLayers, runRuleTests, type LayeredRule, type RuleSources } from '../engine/index.js';
import { addRulesOption, ruleSources, type RulesFlag } from './rule-sources.js';

interface RulesFlags extends RulesFlag {
  json?: boolean;
}

export function registerRules(program: Command): void {
  const rules = program
    .command('rules')
    .description('Validate, test and list the alert rules (the default rules with yours on top)')
    .addHelpText('after', '\nExit codes: 0 ok; 1 — rules check: a problem, a failed test or no enabled rule; rules list: invalid rules; 2 usage error.');
  addRulesOption(rules.command('check').description('Validate every rule file and defaults.yml, and run every rule’s tests'))
    .addHelpText('after', '\nExit codes: 0 all valid and all tests pass, 1 a problem, a failed test, or no enabled rule, 2 usage error.')
    .action((flags: RulesFlags) => {
      process.exitCode = runRulesCheck(loadCatalog(), ruleSources(flags));
    });
  addRulesOption(rules.command('list').description('Summarise the rules: where each comes from, codes, trigger, throttle, severity'))
    .option('--json', 'print one JSON array of rule summaries')
    .addHelpText(
      'after',
      '\nOrigins: default (bundled), overridden (a default re-routed or re-graded by defaults.yml),\ndisabled (a default switched off by defaults.yml), replaced (your rule with a default\'s id), yours.\nExit codes: 0 listed, 1 invalid rules, 2 usage error.',
    )
    .action((flags: RulesFlags) => {
      process.exitCode = runRulesList(loadCatalog(), ruleSources(flags), flags.json === true);
    });
}

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** Prints every problem, every warning, then every test result; returns the exit code. */
export function runRulesCheck(catalog: Catalog, sources: RuleSources): number {
  // The check parses every file itself, never the build's record of the defaults.
  const { layered, problems, warnings } = loadRuleLayers({ ...sources, useBuildCache: false }, catalog);
  for (const problem of problems) out(`error   ${problem.message}`);
  for (const warning of warnings) out(`warning ${warning}`);
  const enabled = layered.filter((entry) => entry.rule.enabled !== false).length;
  // `run` refuses to start with nothing to watch: the check says so before it does.
  const empty = problems.length === 0 && enabled === 0;
  if (empty) out('error   no enabled rules: run would watch nothing (add rules, or leave use_defaults on in defaults.yml)');
  let passed = 0;
  let failed = 0;
  for (const { rule } of layered) {
    for (const result of runRuleTests(rule, catalog)) {
      if (result.passed) passed += 1;
      else failed += 1;
      out(`${result.passed ? 'pass' : 'FAIL'}    ${rule.id}: ${result.name}`);
      for (const failure of result.failures) out(`          ${failure}`);
    }
  }
  const errors = problems.length + (empty ? 1 : 0);
  out(
    `${layered.length} rule(s) (${enabled} enabled), ${errors} error(s), ${warnings.length} warning(s); ` +
      `tests: ${passed} passed, ${failed} failed`,
  );
  return errors > 0 || failed > 0 ? 1 : 0;
}

/** `default`, `overridden (channel, severity by rules/defaults.yml)`, … */
export function describeOrigin(entry: LayeredRule): string {
  const { origin } = entry;
  switch (origin.kind) {
    case 'overridden':
      return `overridden (${origin.fields.join(', ')} by ${origin.by})`;
    case 'disabled':
      return `disabled (by ${origin.by})`;
    case 'replaced':
      return `replaced (your ${entry.file} instead of the default)`;
    case 'yours':
      return `yours (${entry.file})`;
    default:
      return 'default';
  }
}

export function runRulesList(catalog: Catalog, sources: RuleSources, json: boolean): number {
  const { layered, problems } = loadRuleLayers(sources, catalog);
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`error ${problem.message}\n`);
    return 1;
  }
  // Said on stderr, beside the (empty or all-disabled) listing: stdout stays the listing alone.
  if (!layered.some((entry) => entry.rule.enabled !== false)) process.stderr.write('no enabled rules: run would refuse to start (see rules check)\n');
  if (json) {
    out(JSON.stringify(layered.map((entry) => ({ ...describeRule(entry.rule), origin: entry.origin.kind, file: entry.file, ...originDetails(entry) }))));
    return 0;
  }
  for (const entry of layered) {
    const rule = describeRule(entry.rule);
    const off = rule.enabled || entry.origin.kind === 'disabled' ? '' : ' (enabled: false)';
    out(`${rule.id} [${rule.severity}] ${describeOrigin(entry)}${off} — ${rule.title}`);
    out(`    codes: ${rule.codes.join(', ')}; ${rule.trigger}${rule.throttle ? `; ${rule.throttle}` : ''}${rule.channel ? `; → ${rule.channel}` : ''}`);
  }
  return 0;
}

function originDetails(entry: LayeredRule): Record<string, unknown> {
  const { origin } = entry;
  if (origin.kind === 'overridden') return { overriddenBy: origin.by, overrides: origin.fields };
  if (origin.kind === 'disabled') return { disabledBy: origin.by };
  if (origin.kind === 'replaced') return { replacesDefault: origin.defaultFile };
  return {};
}
