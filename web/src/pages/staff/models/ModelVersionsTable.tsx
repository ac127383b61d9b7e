import { Button, Space, Table } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { dateTime } from '../../../format';
import { useI18n, useLabel } from '../../../i18n';
import type { ModelMetrics, ModelVersion } from '../../../api-types';
import { ModelActions } from './ModelActions';
import type { ModelAction } from './modelStatus';
import { ModelStatusTag } from './ModelStatusTag';
import type { RunningChange } from './useModelStatusChange';

/** A validation metric (a ratio, not money) with four places; '—' when the artefact has none. */
function metric(metrics: ModelMetrics | null | undefined, name: keyof ModelMetrics): string {
  const value = metrics?.[name];
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(4) : '—';
}

export function ModelVersionsTable({ models, canManage, running, onChange, onMonitor }: {
  models: ModelVersion[];
  /** Risk officers and admins; auditors only read. */
  canManage: boolean;
  running: RunningChange | null;
  onChange: (model: ModelVersion, action: ModelAction) => void;
  onMonitor: (model: ModelVersion) => void;
}) {
  const { t } = useI18n();
  const label = useLabel();
  const columns: ColumnsType<ModelVersion> = [
    { title: t('common.id'), dataIndex: 'id', width: 56, responsive: ['md'] },
    { title: t('model.name'), dataIndex: 'name' },
    { title: t('model.version'), dataIndex: 'version', render: (version: number) => `v${version}` },
    { title: t('model.kind'), dataIndex: 'kind', render: (kind: string) => label('model.kind', kind), responsive: ['sm'] },
    { title: t('common.status'), dataIndex: 'status', render: (_, model) => <ModelStatusTag status={model.status} /> },
    { title: 'AUC', key: 'auc', align: 'right', render: (_, model) => metric(model.metrics, 'auc') },
    { title: 'KS', key: 'ks', align: 'right', render: (_, model) => metric(model.metrics, 'ks'), responsive: ['md'] },
    { title: 'Gini', key: 'gini', align: 'right', render: (_, model) => metric(model.metrics, 'gini'), responsive: ['md'] },
    { title: t('model.created'), dataIndex: 'created_at', render: dateTime, responsive: ['lg'] },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, model) => (
        <Space wrap size={4}>
          <Button size="small" onClick={() => onMonitor(model)} aria-label={`${t('model.monitoring')} ${model.name} v${model.version}`}>
            {t('model.monitoring')}
          </Button>
          {canManage && <ModelActions model={model} running={running} onChange={onChange} />}
        </Space>
      ),
    },
  ];
  return (
    <Table<ModelVersion>
      size="small"
      rowKey="id"
      scroll={{ x: true }}
      pagination={false}
      dataSource={models}
      columns={columns}
      locale={{ emptyText: t('common.none') }}
    />
  );
}
