import { api, ApiError } from './api';
import type { Identity } from './types';

/** The borrower's stored identity check, or null when there is none yet (404). */
export async function loadIdentity(signal?: AbortSignal): Promise<Identity | null> {
  try {
    return await api.get<Identity>('/me/identity', signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
