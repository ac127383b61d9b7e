// What can be done to a model version in each status.
import type { ModelStatus } from '../../../api-types';

/** The path segment of POST /admin/models/{id}/{action}. */
export type ModelAction = 'activate' | 'challenger' | 'retire';

export const ACTIONS_BY_STATUS: Record<ModelStatus, ModelAction[]> = {
  draft: ['activate', 'challenger', 'retire'],
  challenger: ['activate', 'retire'],
  champion: ['retire'],
  // Activating a retired version is the rollback.
  retired: ['activate', 'challenger'],
};

export const STATUS_COLORS: Record<ModelStatus, string> = {
  champion: 'green',
  challenger: 'blue',
  draft: 'gold',
  retired: 'default',
};
