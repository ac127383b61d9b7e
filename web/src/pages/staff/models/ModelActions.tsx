import { Button, Popconfirm, Space } from 'antd';
import { useI18n } from '../../../i18n';
import type { Key } from '../../../messages';
import type { ModelVersion } from '../../../api-types';
import { ACTIONS_BY_STATUS, type ModelAction } from './modelStatus';
import type { RunningChange } from './useModelStatusChange';

const BUTTON: Record<ModelAction, Key> = {
  activate: 'model.activate',
  challenger: 'model.makeChallenger',
  retire: 'model.retire',
};

function confirmText(model: ModelVersion, action: ModelAction): Key {
  if (action === 'retire' && model.status === 'champion') return 'model.confirm.retireChampion';
  return `model.confirm.${action}`;
}

/** The status changes allowed from the version's status, each behind a confirmation. */
export function ModelActions({ model, running, onChange }: {
  model: ModelVersion;
  running: RunningChange | null;
  onChange: (model: ModelVersion, action: ModelAction) => void;
}) {
  const { t } = useI18n();
  const vars = { name: model.name, version: model.version };
  return (
    <Space wrap size={4}>
      {ACTIONS_BY_STATUS[model.status]?.map((action) => (
        <Popconfirm
          key={action}
          title={t(BUTTON[action])}
          description={<div style={{ maxWidth: 320 }}>{t(confirmText(model, action), vars)}</div>}
          okText={t('common.confirm')}
          cancelText={t('common.cancel')}
          okButtonProps={{ danger: action === 'retire' }}
          onConfirm={() => onChange(model, action)}
        >
          <Button
            size="small"
            danger={action === 'retire'}
            type={action === 'activate' ? 'primary' : 'default'}
            loading={running?.id === model.id && running.action === action}
            disabled={running !== null}
            aria-label={`${t(BUTTON[action])} ${model.name} v${model.version}`}
          >
            {t(BUTTON[action])}
          </Button>
        </Popconfirm>
      ))}
    </Space>
  );
}
