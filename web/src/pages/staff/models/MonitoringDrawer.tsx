import { Alert, Button, Descriptions, Drawer, Table, Tag, Typography } from 'antd';
import { api } from '../../../api';
import { Async } from '../../../components/Async';
import { dateTime } from '../../../format';
import { useApi } from '../../../hooks';
import { useI18n } from '../../../i18n';
import type { ModelAlert, ModelMonitoring, ModelVersion, Stability } from '../../../api-types';

/** Below this a population is usually considered stable (docs/models.md, "Monitoring"). */
const PSI_WATCH = 0.1;

const psi = (value: number) => value.toFixed(4);

/** Alert above the server's threshold, watch from 0.1, stable below. */
function PsiTag({ stability }: { stability: Stability }) {
  const { t } = useI18n();
  if (stability.alert) return <Tag color="red" data-testid="psi-alert">{t('model.psi.alert')}</Tag>;
  if (stability.psi >= PSI_WATCH) return <Tag color="orange">{t('model.psi.watch')}</Tag>;
  return <Tag color="green">{t('model.psi.stable')}</Tag>;
}

function StabilitySummary({ report }: { report: ModelMonitoring['stability'] }) {
  const { t } = useI18n();
  return (
    <Descriptions size="small" column={1} bordered data-testid="monitoring-summary">
      <Descriptions.Item label={t('model.applications')}>
        <span data-testid="monitoring-applications">{report.applications}</span>
      </Descriptions.Item>
      <Descriptions.Item label={t('model.threshold')}>{report.threshold}</Descriptions.Item>
      <Descriptions.Item label={t('model.scorePsi')}>
        {report.score ? (
          <>
            {psi(report.score.psi)} <PsiTag stability={report.score} />
          </>
        ) : (
          '—'
        )}
      </Descriptions.Item>
    </Descriptions>
  );
}

function FeatureStabilityTable({ features }: { features: Stability[] }) {
  const { t } = useI18n();
  return (
    <Table<Stability>
      size="small"
      rowKey="name"
      pagination={false}
      dataSource={features}
      locale={{ emptyText: t('model.noFeatures') }}
      columns={[
        // Long feature names wrap, so that PSI and status stay on a phone's screen.
        { title: t('model.feature'), dataIndex: 'name', render: (name: string) => <span style={{ overflowWrap: 'anywhere' }}>{name}</span> },
        { title: 'PSI', dataIndex: 'psi', align: 'right', render: psi },
        { title: t('common.status'), key: 'status', render: (_, stability) => <PsiTag stability={stability} /> },
      ]}
    />
  );
}

function StoredAlertsTable({ alerts }: { alerts: ModelAlert[] }) {
  const { t } = useI18n();
  return (
    <Table<ModelAlert>
      size="small"
      rowKey="metric"
      pagination={false}
      scroll={{ x: true }}
      dataSource={alerts}
      locale={{ emptyText: t('model.noAlerts') }}
      columns={[
        { title: t('model.metric'), dataIndex: 'metric' },
        { title: 'PSI', dataIndex: 'psi', align: 'right', render: psi },
        { title: t('model.threshold'), dataIndex: 'threshold', align: 'right' },
        { title: t('model.applications'), dataIndex: 'applications', align: 'right', responsive: ['sm'] },
        { title: t('model.firstRaised'), dataIndex: 'first_raised_at', render: dateTime, responsive: ['md'] },
        { title: t('model.lastRaised'), dataIndex: 'last_raised_at', render: dateTime },
      ]}
    />
  );
}

/** Population stability of one version's live applications against its training data, and its stored alerts. */
export function MonitoringDrawer({ model, onClose }: { model: ModelVersion; onClose: () => void }) {
  const { t } = useI18n();
  const state = useApi((signal) => api.get('/admin/models/{id}/monitoring', { path: { id: model.id }, signal }), [model.id]);
  return (
    <Drawer
      open
      size={720}
      title={`${t('model.monitoring')} · ${model.name} v${model.version}`}
      onClose={onClose}
      extra={<Button onClick={state.reload} loading={state.loading}>{t('common.refresh')}</Button>}
    >
      <Async state={state}>
        {(monitoring) => (
          <div data-testid="monitoring">
            {monitoring.stability.applications === 0 && (
              <Alert type="info" showIcon title={t('model.noApplications')} style={{ marginBottom: 12 }} />
            )}
            {monitoring.stability.applications > 0 && monitoring.stability.applications < monitoring.stability.min_applications && (
              <Alert
                type="info"
                showIcon
                data-testid="monitoring-too-few"
                title={t('model.tooFewApplications', { n: monitoring.stability.min_applications })}
                style={{ marginBottom: 12 }}
              />
            )}
            <StabilitySummary report={monitoring.stability} />
            <Typography.Title level={2} style={{ fontSize: 16, marginTop: 20 }}>
              {t('model.featurePsi')}
            </Typography.Title>
            <FeatureStabilityTable features={monitoring.stability.features} />
            <Typography.Title level={2} style={{ fontSize: 16, marginTop: 20 }}>
              {t('model.storedAlerts')}
            </Typography.Title>
            <StoredAlertsTable alerts={monitoring.alerts} />
          </div>
        )}
      </Async>
    </Drawer>
  );
}
