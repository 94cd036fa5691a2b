/**
 * A request to Auth0 that got no response, in an operator's words: the
 * transport's error codes turned into sentences that say what is wrong and
 * what to check. The code stays in parentheses for searching, never alone.
 */

/** Name resolution failed: the domain does not exist (or DNS is down). */
export const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
/** Nothing accepted the connection, or no route to it. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
/** Node's TLS and certificate failures (tls / OpenSSL verification codes). */
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'EPROTO',
]);

export function isTlsCode(code: string | undefined): boolean {
  return code !== undefined && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_'));
}

/**
 * The sentence of a request that got no response: `host` is where it went,
 * `code` the transport's error code. Ends with "; will retry" (the retry
 * loop drops it when it gives up).
 */
export function noResponseSentence(request: { method: string; path: string }, host: string, code: string | undefined): string {
  if (code !== undefined && DNS_CODES.has(code)) {
    return `cannot find Auth0 at ${host}: the name does not resolve (DNS ${code}); check AUTH0_DOMAIN (or the tenant's domain) and this host's DNS; will retry`;
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return code === 'ECONNREFUSED'
      ? `${host} refused the connection (ECONNREFUSED): nothing accepts HTTPS there; check AUTH0_DOMAIN and any proxy or firewall; will retry`
      : `${host} cannot be reached from here (${code}); check the network, any proxy or firewall, and AUTH0_DOMAIN; will retry`;
  }
  if (isTlsCode(code)) {
    return `the secure (TLS) connection to ${host} failed (${code}): its certificate is not trusted here — a proxy inspecting HTTPS (set NODE_EXTRA_CA_CERTS), or a wrong AUTH0_DOMAIN; will retry`;
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') return `the connection to ${host} was dropped during ${request.method} ${request.path} (${code}); will retry`;
  return `Auth0 ${request.method} ${request.path} failed before a response${code ? ` (${code})` : ''}; will retry`;
}

/** A request that timed out. */
export function timeoutSentence(request: { method: string; path: string }, host: string, timeoutMs: number): string {
  return `Auth0 at ${host} did not answer ${request.method} ${request.path} within ${timeoutMs / 1000} s; will retry`;
}

