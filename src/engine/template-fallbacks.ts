/**
 * What a title says when a placeholder's field holds nothing. A title is read
 * by a person in a channel: "Impossible travel for unknown" reads as a user
 * called "unknown". So a missing value falls back, in order, to
 * - another field holding the same thing (`user_name` → `user_id`): real data;
 * - words that read in place of the value and cannot pass for data
 *   ("an unnamed user", "an unknown IP"). Nothing is ever invented.
 * When the words name what the title names right before the placeholder
 * ("IP {{ip}}", "account {{user_name}}"), that word is taken into them:
 * "an unknown IP blocked", not "IP an unknown IP blocked".
 */
export interface Fallback {
  /** Fields tried in order when the placeholder's own is empty. */
  alternatives: readonly string[];
  /** Words before the noun: "an unknown", "an unnamed". */
  lead: string;
  /** The noun the words end in when the title does not name it ("user", "IP"). */
  noun: string;
  /** Words the title may put right before the placeholder, taken into the fallback (longest first). */
  absorbs: readonly string[];
}

const USER = { lead: 'an unnamed', noun: 'user', absorbs: ['user', 'account'] } as const;
const ACTOR_USER = ['details.request.auth.user.email', 'details.request.auth.user.name', 'details.request.auth.user.user_id'];
const ACTOR: Omit<Fallback, 'alternatives'> = { lead: 'an unknown', noun: 'caller', absorbs: [] };
const APPLICATION = { lead: 'an unknown', noun: 'application', absorbs: ['application', 'app', 'client'] } as const;
const CONNECTION = { lead: 'an unknown', noun: 'connection', absorbs: ['connection'] } as const;
const COUNTRY = { lead: 'an unknown', noun: 'country', absorbs: ['country'] } as const;
const NUMBER = { alternatives: [], lead: 'an unknown', noun: 'number of', absorbs: [] } as const;

/** The families of fields people put in titles; any other field gets "an unknown <its name in words>". */
const FALLBACKS: Readonly<Record<string, Fallback>> = {
  user_name: { ...USER, alternatives: ['user_id'] },
  user_id: { ...USER, lead: 'an unknown', alternatives: ['user_name'] },
  ip: { alternatives: [], lead: 'an unknown', noun: 'IP', absorbs: ['IP address', 'IP', 'address'] },
  client_name: { ...APPLICATION, alternatives: ['client_id'] },
  client_id: { ...APPLICATION, alternatives: ['client_name'] },
  connection: { ...CONNECTION, alternatives: ['connection_id'] },
  connection_id: { ...CONNECTION, alternatives: ['connection'] },
  'location_info.country_name': { ...COUNTRY, alternatives: ['location_info.country_code'] },
  'location_info.country_code': { ...COUNTRY, alternatives: ['location_info.country_name'] },
  'location_info.city_name': { alternatives: [], lead: 'an unknown', noun: 'city', absorbs: ['city'] },
  description: { alternatives: [], lead: 'no', noun: 'description', absorbs: [] },
  // Who made a Management API call: the dashboard user, else the application that called (a machine-to-machine client).
  ...Object.fromEntries(ACTOR_USER.map((path) => [path, { ...ACTOR, alternatives: [...ACTOR_USER.filter((other) => other !== path), 'client_name', 'client_id'] }])),
  count: NUMBER,
  distinct_count: NUMBER,
};

/** `phone_number` → "phone number", `familyId` → "family id", `country_code3` → "country code3". */
function words(segment: string): string {
  return segment
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_$-]+/g, ' ')
    .trim()
    .toLowerCase();
}

/** The fallback of a placeholder's path (`details.authenticator.phone_number` → "an unknown phone number"). */
export function fallbackFor(path: string): Fallback {
  const known = FALLBACKS[path];
  if (known) return known;
  const last = path.slice(path.lastIndexOf('.') + 1);
  return { alternatives: [], lead: 'an unknown', noun: words(last) || 'value', absorbs: [] };
}

/**
 * The fallback words for a title whose text so far is `before`: the noun the
 * title already says right before the placeholder is taken in (its spelling
 * kept). Returns the text to keep of `before` and the words.
 */
export function fallbackWords(fallback: Fallback, before: string): { keep: string; words: string } {
  for (const noun of fallback.absorbs) {
    const at = before.length - noun.length - 1;
    if (at < 0 || before[at + noun.length] !== ' ') continue;
    const said = before.slice(at, at + noun.length);
    if (said.toLowerCase() !== noun.toLowerCase() || (at > 0 && /[\p{L}\p{N}]/u.test(before[at - 1]!))) continue;
    return { keep: before.slice(0, at), words: `${fallback.lead} ${said}` };
  }
  return { keep: before, words: `${fallback.lead} ${fallback.noun}` };
}
