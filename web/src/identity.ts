import { api, ApiError } from './api';
import type { Identity } from './api-types';

/** The borrower's stored identity check, or null when there is none yet (404). */
export async function loadIdentity(signal?: AbortSignal): Promise<Identity | null> {
  try {
    return await api.get('/me/identity', { signal });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
