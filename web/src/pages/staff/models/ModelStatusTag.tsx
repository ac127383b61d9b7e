import { Tag } from 'antd';
import { useLabel } from '../../../i18n';
import type { ModelStatus } from '../../../api-types';
import { STATUS_COLORS } from './modelStatus';

export function ModelStatusTag({ status }: { status: ModelStatus }) {
  const label = useLabel();
  return (
    <Tag color={STATUS_COLORS[status] ?? 'default'} data-testid="model-status">
      {label('model.status', status)}
    </Tag>
  );
}
