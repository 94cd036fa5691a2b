// Part of `npm run build` (after tsc): records the bundled rule pack, parsed
// and checked, in dist/rule-cache.json with the fingerprint of this build, so
// that a process start takes the default rules from it instead of parsing 40
// YAML files (see src/engine/rule-cache.ts for when it is used and when not).
import { loadCatalog } from '../dist/catalog/index.js';
import { BUNDLED_RULES_DIR } from '../dist/engine/rule-dirs.js';
import { buildRuleCache, writeRuleCache } from '../dist/engine/rule-cache.js';

const record = buildRuleCache(BUNDLED_RULES_DIR, loadCatalog());
writeRuleCache(record);
