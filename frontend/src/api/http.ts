import { apiUrl } from '../config';

/** Every refusal of the API: `{"error": {"code", "message", "fields"}}`, or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, unknown>;

  constructor(status: number, code: string, message: string, fields: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }

  /** The endpoint is not there (yet): an unrouted path answers a plain (non-JSON) 404, whereas a
   * missing object answers a JSON error with its own code (`event_not_found`, …). */
  get isUnavailable(): boolean {
    return this.status === 404 && this.code === 'http_404';
  }

  /** The first message for a field, for forms. */
  fieldError(name: string): string | undefined {
    const value = this.fields[name];
    if (Array.isArray(value) && value.length > 0) return String(value[0]);
    if (typeof value === 'string') return value;
    return undefined;
  }
}

type TokenSource = () => string | null;
let tokenSource: TokenSource = () => null;
let onUnauthorized: () => void = () => {};

export function setTokenSource(source: TokenSource, unauthorized: () => void = () => {}): void {
  tokenSource = source;
  onUnauthorized = unauthorized;
}

/** The API's refusal of a banned account, on every endpoint (`shared.auth.permissions.NotBanned`). */
export const USER_BANNED = 'user_banned';
const bannedListeners = new Set<() => void>();

/** Be told whenever the API refuses a request because my account is banned; returns the
 * function that stops listening. */
export function onAccountBanned(listener: () => void): () => void {
  bannedListeners.add(listener);
  return () => {
    bannedListeners.delete(listener);
  };
}

export type Query = Record<string, string | number | boolean | null | undefined | readonly string[]>;

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length) params.set(key, value.join(','));
    } else {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  let fields: Record<string, unknown> = {};
  try {
    const data = (await response.json()) as { error?: { code?: string; message?: string; fields?: Record<string, unknown> } };
    if (data && typeof data === 'object' && data.error) {
      code = data.error.code ?? code;
      message = data.error.message ?? message;
      fields = data.error.fields ?? {};
    }
  } catch {
    // not JSON (a proxy's page): keep the status
  }
  return new ApiError(response.status, code, message, fields);
}

/** Calls `/api/v1/<path>` with the signed-in user's token; parses JSON; throws ApiError. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = tokenSource();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(apiUrl(`api/v1/${path}`) + queryString(options.query), {
      method: options.method ?? 'GET',
      headers,
      body,
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'The server could not be reached.');
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && token) onUnauthorized();
    if (response.status === 403 && error.code === USER_BANNED) for (const listener of [...bannedListeners]) listener();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('Content-Type') ?? '';
  if (!type.includes('json')) return (await response.text()) as T;
  return (await response.json()) as T;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}
