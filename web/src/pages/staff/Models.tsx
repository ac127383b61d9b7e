// The model registry: versions with their validation metrics, status
// changes (champion, challenger, retired), uploads and stability monitoring.
import { Button, Card, Typography } from 'antd';
import { useState } from 'react';
import { api } from '../../api';
import { MODEL_MANAGERS, useHasRole } from '../../auth';
import { Async } from '../../components/Async';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { ModelVersion } from '../../api-types';
import { ModelVersionsTable } from './models/ModelVersionsTable';
import { MonitoringDrawer } from './models/MonitoringDrawer';
import { UploadModelDrawer } from './models/UploadModelDrawer';
import { useModelStatusChange } from './models/useModelStatusChange';

export default function Models() {
  const { t } = useI18n();
  const canManage = useHasRole(MODEL_MANAGERS);
  const state = useApi((signal) => api.get('/admin/models', { signal }), []);
  const statusChange = useModelStatusChange(state.reload);
  const [uploading, setUploading] = useState(false);
  const [monitored, setMonitored] = useState<ModelVersion | null>(null);

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('model.title')}
      </Typography.Title>
      <ProblemAlert error={statusChange.error} />
      <Card
        size="small"
        title={t('model.versions')}
        extra={canManage && <Button type="primary" onClick={() => setUploading(true)}>{t('model.upload')}</Button>}
      >
        <Async state={state}>
          {(data) => (
            <ModelVersionsTable
              models={data.items}
              canManage={canManage}
              running={statusChange.running}
              onChange={(model, action) => void statusChange.change(model, action)}
              onMonitor={setMonitored}
            />
          )}
        </Async>
      </Card>
      {uploading && (
        <UploadModelDrawer
          onClose={() => setUploading(false)}
          onUploaded={() => {
            setUploading(false);
            state.reload();
          }}
        />
      )}
      {monitored && <MonitoringDrawer model={monitored} onClose={() => setMonitored(null)} />}
    </>
  );
}
