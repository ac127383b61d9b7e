import { App } from 'antd';
import { useState } from 'react';
import { api } from '../../../api';
import { useAction } from '../../../hooks';
import { useI18n } from '../../../i18n';
import type { ModelVersion } from '../../../api-types';
import type { ModelAction } from './modelStatus';

export interface RunningChange {
  id: number;
  action: ModelAction;
}

/**
 * Activate / make challenger / retire, one at a time; a refusal (problem+json)
 * is kept in `error`. `onSettled` runs either way: after a refusal such as a
 * 409 the list on screen may be stale.
 */
export function useModelStatusChange(onSettled: () => void) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [running, setRunning] = useState<RunningChange | null>(null);
  const action = useAction((id: number, name: ModelAction) => api.post(`/admin/models/{id}/${name}`, { path: { id } }));

  const change = async (model: ModelVersion, name: ModelAction) => {
    setRunning({ id: model.id, action: name });
    const result = await action.run(model.id, name);
    setRunning(null);
    if (result) message.success(t(`model.done.${name}`, { name: result.model.name, version: result.model.version }));
    onSettled();
  };

  return { change, running, error: action.error };
}
