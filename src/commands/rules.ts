import type { Command } from 'commander';
import { loadCatalog, type Catalog } from '../catalog/index.js';
import { defaultRulesDir, describeRule, loadRules, runRuleTests } from '../engine/index.js';

interface RulesFlags {
  rules?: string;
  json?: boolean;
}

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('Validate, test and list the alert rules');
  rules
    .command('check')
    .description('Validate every rule file and run every rule’s tests')
    .option('--rules <dir>', 'rules directory (default: RULES_DIR or ./rules)')
    .addHelpText('after', '\nExit codes: 0 all valid and all tests pass, 1 a problem or a failed test.')
    .action((flags: RulesFlags) => {
      process.exitCode = runRulesCheck(loadCatalog(), flags.rules ?? defaultRulesDir());
    });
  rules
    .command('list')
    .description('Summarise the rules: codes, trigger, throttle, severity')
    .option('--rules <dir>', 'rules directory (default: RULES_DIR or ./rules)')
    .option('--json', 'print one JSON array of rule summaries')
    .action((flags: RulesFlags) => {
      process.exitCode = runRulesList(loadCatalog(), flags.rules ?? defaultRulesDir(), flags.json === true);
    });
}

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** Prints every problem, every warning, then every test result; returns the exit code. */
export function runRulesCheck(catalog: Catalog, dir: string): number {
  const { rules, problems, warnings } = loadRules(dir, catalog);
  for (const problem of problems) out(`error   ${problem.message}`);
  for (const warning of warnings) out(`warning ${warning}`);
  let passed = 0;
  let failed = 0;
  for (const rule of rules) {
    for (const result of runRuleTests(rule, catalog)) {
      if (result.passed) passed += 1;
      else failed += 1;
      out(`${result.passed ? 'pass' : 'FAIL'}    ${rule.id}: ${result.name}`);
      for (const failure of result.failures) out(`          ${failure}`);
    }
  }
  out(
    `${rules.length} rule(s), ${problems.length} error(s), ${warnings.length} warning(s); ` +
      `tests: ${passed} passed, ${failed} failed`,
  );
  return problems.length > 0 || failed > 0 ? 1 : 0;
}

export function runRulesList(catalog: Catalog, dir: string, json: boolean): number {
  const { rules, problems } = loadRules(dir, catalog);
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`error ${problem.message}\n`);
    return 1;
  }
  const summaries = rules.map(describeRule);
  if (json) {
    out(JSON.stringify(summaries));
    return 0;
  }
  for (const rule of summaries) {
    out(`${rule.id} [${rule.severity}]${rule.enabled ? '' : ' (disabled)'} — ${rule.title}`);
    out(`    codes: ${rule.codes.join(', ')}; ${rule.trigger}${rule.throttle ? `; ${rule.throttle}` : ''}`);
  }
  return 0;
}
