// The HTTP client: bearer tokens with one refresh on 401, problem+json
// errors turned into ApiError, Idempotency-Key on the writes that need it.
// Paths, parameters, bodies and answers are typed by the OpenAPI document
// (src/generated/openapi.ts, generated from docs/openapi.json by `npm run openapi`).
import type { paths } from './generated/openapi';
import type { FieldError, Tokens } from './api-types';

export type { FieldError };

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

/** A 401 saying the password asked for again is wrong: the session is
 * fine, so it is neither refreshed nor lost over it. */
async function wrongPassword(response: Response): Promise<boolean> {
  if (response.status !== 401) return false;
  const body = (await response.clone().json().catch(() => null)) as { code?: string } | null;
  return body?.code === 'wrong_password';
}

async function authorized(method: string, path: string, options: Options): Promise<Response> {
  const useAuth = options.auth !== false;
  let response = await send(method, path, options, useAuth ? loadTokens()?.access_token ?? null : null);
  if (response.status === 401 && useAuth && loadTokens() && !(await wrongPassword(response))) {
    if (await refresh()) {
      response = await send(method, path, options, loadTokens()?.access_token ?? null);
    }
    if (response.status === 401 && !(await wrongPassword(response))) {
      saveTokens(null);
      onSessionLost();
    }
  }
  return response;
}

export async function request<T>(method: string, path: string, options: Options = {}): Promise<T> {
  return parse<T>(await authorized(method, path, options));
}

/** A file the server sends as an attachment, with the name it gives it. */
export interface Download {
  blob: Blob;
  filename: string;
}

/** A POST whose answer is a file (Content-Disposition: attachment). */
export async function download<P extends PathsFor<'post'>>(path: P, options: { body: RequestBody<Op<P, 'post'>> }): Promise<Download> {
  const response = await authorized('POST', path, options);
  if (!response.ok) return parse<never>(response);
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'download';
  return { blob: await response.blob(), filename };
}

type HttpMethod = 'get' | 'post' | 'put';
type Prefixed = keyof paths & `/api/v1${string}`;
/** A path template under /api/v1, e.g. `/loans/{id}`. */
export type ApiPath = Prefixed extends `/api/v1${infer Rest}` ? Rest : never;
type Operation<P extends ApiPath, M extends HttpMethod> = paths[`/api/v1${P}`][M];
/** The templates that have an operation for this method. */
type PathsFor<M extends HttpMethod> = { [P in ApiPath]: [Operation<P, M>] extends [undefined | never] ? never : P }[ApiPath];

type Json<R> = R extends { content: { 'application/json': infer T } } ? T : undefined;
type Responses<O> = O extends { responses: infer R } ? R : never;
type Success<R, S extends number> = R extends { [K in S]: infer A } ? Json<A> : never;
type Successes<R> = Success<R, 200> | Success<R, 201> | Success<R, 202>;
/** The body of the operation's success answers, a union when it has
 * several (undefined for 204). */
export type Answer<O> = Responses<O> extends infer R ? ([Successes<R>] extends [never] ? undefined : Successes<R>) : never;
type RequestBody<O> = O extends { requestBody?: infer R }
  ? [NonNullable<R>] extends [never]
    ? never
    : NonNullable<R> extends { content: { 'application/json': infer B } }
      ? B
      : never
  : never;
type Parameters_<O, In extends 'path' | 'query'> = O extends { parameters: { [K in In]?: infer P } } ? P : never;
type PathOption<O> = [Parameters_<O, 'path'>] extends [never | undefined] ? { path?: never } : { path: Parameters_<O, 'path'> };
type QueryOption<O> = [Parameters_<O, 'query'>] extends [never | undefined] ? { query?: never } : { query?: Parameters_<O, 'query'> };

export type GetOptions<O> = PathOption<O> & QueryOption<O> & { signal?: AbortSignal };
export type WriteOptions<O> = PathOption<O> & QueryOption<O> & { idempotencyKey?: string } & ([RequestBody<O>] extends [never] ? { body?: never } : { body: RequestBody<O> });

/** The operation of a method on a path template, for `Answer<…>` and friends. */
export type Op<P extends ApiPath, M extends HttpMethod> = Operation<P, M>;

/** `/loans/{id}` with `{id: 7}` → `/loans/7`, each value URI-encoded. */
function expand(template: string, path?: Record<string, string | number>, query?: object): string {
  const filled = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = path?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(value));
  });
  return filled + (query ? qs(query as Record<string, string | number | undefined | null>) : '');
}

type AnyOptions = { path?: Record<string, string | number>; query?: object; body?: unknown; idempotencyKey?: string; signal?: AbortSignal };

export const api = {
  get: <P extends PathsFor<'get'>>(path: P, ...[options]: {} extends GetOptions<Op<P, 'get'>> ? [GetOptions<Op<P, 'get'>>?] : [GetOptions<Op<P, 'get'>>]) => {
    const o = (options ?? {}) as AnyOptions;
    return request<Answer<Op<P, 'get'>>>('GET', expand(path, o.path, o.query), { signal: o.signal });
  },
  post: <P extends PathsFor<'post'>>(path: P, ...[options]: {} extends WriteOptions<Op<P, 'post'>> ? [WriteOptions<Op<P, 'post'>>?] : [WriteOptions<Op<P, 'post'>>]) => {
    const o = (options ?? {}) as AnyOptions;
    return request<Answer<Op<P, 'post'>>>('POST', expand(path, o.path, o.query), { body: o.body ?? {}, idempotencyKey: o.idempotencyKey });
  },
  put: <P extends PathsFor<'put'>>(path: P, options: WriteOptions<Op<P, 'put'>>) => {
    const o = options as AnyOptions;
    return request<Answer<Op<P, 'put'>>>('PUT', expand(path, o.path, o.query), { body: o.body });
  },
  /** A POST without the session's token (sign-in pages, the public calculator). */
  publicPost: <P extends PathsFor<'post'>>(path: P, options: WriteOptions<Op<P, 'post'>>) => {
    const o = options as AnyOptions;
    return request<Answer<Op<P, 'post'>>>('POST', expand(path, o.path, o.query), { body: o.body, auth: false });
  },
};

/** Query string from the defined values. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A password-confirmed call refused because the password is wrong. */
export function isWrongPassword(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'wrong_password';
}
