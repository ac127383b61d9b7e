// The HTTP client: bearer tokens with one refresh on 401, problem+json
// errors turned into ApiError, Idempotency-Key on the writes that need it.
import type { Tokens } from './types';

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export class ApiError extends Error {
  status: number;
  code: string;
  title: string;
  detail: string;
  errors: FieldError[];

  constructor(status: number, body: Partial<{ code: string; title: string; detail: string; errors: FieldError[] }>) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status;
    this.code = body.code ?? (status === 0 ? 'network_error' : 'http_error');
    this.title = body.title ?? '';
    this.detail = body.detail ?? '';
    this.errors = Array.isArray(body.errors) ? body.errors : [];
  }
}

const SESSION_KEY = 'kredit.session';
const BASE = '/api/v1';

export function loadTokens(): Tokens | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

export function saveTokens(tokens: Tokens | null) {
  if (tokens) localStorage.setItem(SESSION_KEY, JSON.stringify(tokens));
  else localStorage.removeItem(SESSION_KEY);
}

/** Called when the session is gone (refresh failed); the app goes to the login page. */
let onSessionLost: () => void = () => {};
export function setSessionLostHandler(handler: () => void) {
  onSessionLost = handler;
}

export function newIdempotencyKey(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `k-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

interface Options {
  body?: unknown;
  idempotencyKey?: string;
  auth?: boolean;
  signal?: AbortSignal;
}

async function send(method: string, path: string, options: Options, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  try {
    return await fetch(BASE + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, { code: 'network_error', detail: String((error as Error).message ?? error) });
  }
}

let refreshing: Promise<boolean> | null = null;

async function refresh(): Promise<boolean> {
  const tokens = loadTokens();
  if (!tokens) return false;
  refreshing ??= (async () => {
    try {
      const response = await send('POST', '/auth/refresh', { body: { refresh_token: tokens.refresh_token } }, null);
      if (!response.ok) return false;
      saveTokens((await response.json()) as Tokens);
      return true;
    } catch {
      return false;
    } finally {
      setTimeout(() => (refreshing = null), 0);
    }
  })();
  return refreshing;
}

async function parse<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = { detail: text.slice(0, 200) };
    }
  }
  if (!response.ok) throw new ApiError(response.status, (body ?? {}) as object);
  return body as T;
}

export async function request<T>(method: string, path: string, options: Options = {}): Promise<T> {
  const useAuth = options.auth !== false;
  let response = await send(method, path, options, useAuth ? loadTokens()?.access_token ?? null : null);
  if (response.status === 401 && useAuth && loadTokens()) {
    if (await refresh()) {
      response = await send(method, path, options, loadTokens()?.access_token ?? null);
    }
    if (response.status === 401) {
      saveTokens(null);
      onSessionLost();
    }
  }
  return parse<T>(response);
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, { signal }),
  post: <T>(path: string, body?: unknown, idempotencyKey?: string) =>
    request<T>('POST', path, { body: body ?? {}, idempotencyKey }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  publicPost: <T>(path: string, body: unknown) => request<T>('POST', path, { body, auth: false }),
};

/** Query string from the defined values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
