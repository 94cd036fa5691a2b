import { Auth0AuthError, StateError, type CodedError } from '../errors.js';
import { LOGS_PATH } from './client.js';
import { DNS_CODES, isTlsCode } from './transport-errors.js';

/**
 * The reason a poll failed, in a few words, for the `polling_failing` notice
 * and `status` (put in parentheses before the error's full sentence).
 */
export function pollFailureWords(error: CodedError): string {
  if (error instanceof Auth0AuthError) {
    // 403 on the logs endpoint: the token is valid but its grant lacks read:logs.
    if (error.details.path === LOGS_PATH) return error.details.status === 403 ? 'the application lacks read:logs' : 'Auth0 rejected the access token';
    return 'Auth0 rejected the credentials';
  }
  if (error instanceof StateError) return 'the state database fails';
  const details = (error as { details?: { reason?: string; apiError?: string; status?: number } }).details;
  const code = details?.apiError;
  switch (details?.reason) {
    case 'rate_limited':
      return 'Auth0 keeps rate-limiting the bot';
    case 'timeout':
      return 'Auth0 does not answer';
    case 'network':
      if (code !== undefined && DNS_CODES.has(code)) return 'Auth0 cannot be found';
      if (code === 'ECONNREFUSED') return 'Auth0 refuses the connection';
      if (isTlsCode(code)) return 'the secure connection to Auth0 fails';
      return 'Auth0 does not answer';
    case 'server':
      // A 2xx whose body is no list of logs: something else answers (a proxy, a portal page).
      return details.status !== undefined && details.status < 300 ? 'Auth0 answers with something that is not a list of logs' : 'Auth0 answers with errors';
    case 'client':
      return 'Auth0 refuses the request';
    default:
      return 'the poll fails';
  }
}
