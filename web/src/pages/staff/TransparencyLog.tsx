// The transparency log as staff see it: what the log signed and what it
// published with its witnesses' cosignatures, each witness's state (a
// rollback or fork reported by a witness is the alarm), and the newest
// published checkpoint as the public reads it.
import { Alert, Card, Descriptions, Table, Tag, Typography } from 'antd';
import { api } from '../../api';
import { Async } from '../../components/Async';
import { count, dateTime } from '../../format';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { LogStatus, WitnessStatus } from '../../api-types';

async function publishedCheckpoint(signal: AbortSignal): Promise<string | null> {
  const response = await fetch('/log/checkpoint', { signal });
  return response.ok ? response.text() : null;
}

function WitnessTable({ status }: { status: LogStatus }) {
  const { t } = useI18n();
  return (
    <Table<WitnessStatus>
      size="small"
      rowKey="key"
      scroll={{ x: true }}
      pagination={false}
      dataSource={status.witnesses}
      locale={{ emptyText: t('tlog.noWitnesses') }}
      columns={[
        { title: t('tlog.witness'), dataIndex: 'name', render: (name: string, w) => <span title={w.url}>{name}</span> },
        {
          title: t('common.status'),
          render: (_, w) =>
            w.last_error?.startsWith('rollback or fork') ? (
              <Tag color="red">{t('tlog.conflict')}</Tag>
            ) : w.last_error ? (
              <Tag color="orange">{t('tlog.unavailable')}</Tag>
            ) : w.cosigned_latest ? (
              <Tag color="green">{t('tlog.cosigned')}</Tag>
            ) : (
              <Tag>{t('tlog.pending')}</Tag>
            ),
        },
        { title: t('tlog.witnessSize'), dataIndex: 'size', render: (n: number) => count(n) },
        { title: t('tlog.cosignedSize'), dataIndex: 'cosigned_size', render: (n?: number | null) => (n == null ? '—' : count(n)) },
        { title: t('tlog.lastError'), dataIndex: 'last_error', render: (e?: string | null) => e ?? '—' },
        { title: t('tlog.updatedAt'), dataIndex: 'updated_at', render: (v?: string | null) => dateTime(v ?? null) },
      ]}
    />
  );
}

export default function TransparencyLog() {
  const { t } = useI18n();
  const status = useApi((signal) => api.get('/log/status', { signal }), []);
  const checkpoint = useApi(publishedCheckpoint, []);
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('nav.tlog')}
      </Typography.Title>
      <Async state={status}>
        {(s) => {
          const waiting = s.signed_size > s.published_size;
          const conflict = s.witnesses.some((w) => w.last_error?.startsWith('rollback or fork'));
          return (
            <>
              {conflict && <Alert type="error" showIcon style={{ marginBottom: 12 }} title={t('tlog.conflictAlert')} data-testid="tlog-conflict" />}
              {!conflict && waiting && (
                <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('tlog.waiting', { signed: count(s.signed_size), published: count(s.published_size), quorum: s.quorum })} />
              )}
              <Card size="small" title={t('tlog.summary')} style={{ marginBottom: 12 }} data-testid="tlog-status">
                <Descriptions size="small" column={{ xs: 1, md: 2 }}>
                  <Descriptions.Item label={t('tlog.origin')}>
                    <code>{s.origin}</code>
                  </Descriptions.Item>
                  <Descriptions.Item label={t('tlog.quorum')}>{s.quorum === 0 ? t('tlog.noQuorum') : t('tlog.quorumOf', { k: s.quorum, n: s.witnesses.length })}</Descriptions.Item>
                  <Descriptions.Item label={t('tlog.signedSize')}>{count(s.signed_size)}</Descriptions.Item>
                  <Descriptions.Item label={t('tlog.publishedSize')}>
                    <span data-testid="tlog-published">{count(s.published_size)}</span>
                  </Descriptions.Item>
                </Descriptions>
              </Card>
              <Card size="small" title={t('tlog.witnesses')} style={{ marginBottom: 12 }}>
                <WitnessTable status={s} />
              </Card>
            </>
          );
        }}
      </Async>
      <Card size="small" title={t('tlog.checkpoint')}>
        <p style={{ marginTop: 0 }}>{t('tlog.checkpointExplain')}</p>
        <Async state={checkpoint}>
          {(text) => (text ? <pre style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12, margin: 0 }} data-testid="tlog-checkpoint">{text}</pre> : <span>{t('common.none')}</span>)}
        </Async>
        <p style={{ marginBottom: 0, fontSize: 12, color: '#666' }}>{t('tlog.monitorHint')}</p>
      </Card>
    </>
  );
}
