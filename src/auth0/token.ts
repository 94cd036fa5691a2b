import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { Auth0ApiError, Auth0AuthError } from '../errors.js';
import { classifyResponse, isSuccess, send, type Auth0Request } from './http.js';
import { registerSecrets } from '../secrets.js';

const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
});

export interface TokenProviderOptions {
  http: AxiosInstance;
  clientId: string;
  clientSecret: string;
  audience: string;
  /** Renew this long before expiry (capped at half the token's lifetime). @default 60000 */
  refreshMarginMs?: number;
  now?: () => number;
}

export const TOKEN_DEFAULTS = { refreshMarginMs: 60_000 } as const;

export const AUTH_HINT =
  'check AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET and that the application is authorised for the Management API with read:logs';

/**
 * Client-credentials token for the Management API, cached until shortly before
 * it expires; concurrent callers share one request.
 */
export class TokenProvider {
  readonly #options: Required<Omit<TokenProviderOptions, 'http'>> & { http: AxiosInstance };
  #cached: { token: string; renewAtMs: number } | undefined;
  #inFlight: Promise<string> | undefined;

  constructor(options: TokenProviderOptions) {
    this.#options = { ...TOKEN_DEFAULTS, now: Date.now, ...options };
  }

  async get(): Promise<string> {
    const cached = this.#cached;
    if (cached && this.#options.now() < cached.renewAtMs) return cached.token;
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** Forget the cached token (the API said 401: revoked, rotated or expired early). */
  invalidate(): void {
    this.#cached = undefined;
  }

  async #fetch(): Promise<string> {
    const { http, clientId, clientSecret, audience, refreshMarginMs, now } = this.#options;
    const request: Auth0Request = {
      method: 'POST',
      path: '/oauth/token',
      body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, audience },
    };
    const response = await send(http, request);
    if (!isSuccess(response)) {
      const error = classifyResponse(request, response, now());
      if (error.details.reason === 'auth') {
        throw new Auth0AuthError(
          `Auth0 rejected the client credentials (${error.details.status}${error.details.apiError ? ` ${error.details.apiError}` : ''}): ${AUTH_HINT}`,
          error.details,
        );
      }
      throw error;
    }
    const parsed = TokenResponseSchema.safeParse(response.data);
    if (!parsed.success) {
      throw new Auth0ApiError('Auth0 POST /oauth/token returned an unexpected body (no access_token/expires_in)', {
        method: 'POST',
        path: '/oauth/token',
        status: response.status,
        reason: 'server',
        retryable: true,
      });
    }
    const lifetimeMs = parsed.data.expires_in * 1000;
    const margin = Math.min(refreshMarginMs, lifetimeMs / 2);
    // An error body or a library message could echo it later: from now on it is scrubbed from all text.
    registerSecrets(parsed.data.access_token);
    this.#cached = { token: parsed.data.access_token, renewAtMs: now() + lifetimeMs - margin };
    return parsed.data.access_token;
  }
}
