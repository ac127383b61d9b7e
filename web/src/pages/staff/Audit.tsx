import { Button, Card, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { dateTime } from '../../format';
import { useI18n } from '../../i18n';
import type { AuditEntry } from '../../api-types';

function json(value: unknown): string {
  return value === null || value === undefined ? '' : JSON.stringify(value);
}

export default function Audit() {
  const { t } = useI18n();
  const [rows, setRows] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  const load = async (before?: number | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api.get('/admin/audit', { query: { limit: 50, before: before ?? undefined } });
      setRows((current) => (before ? [...current, ...page.items] : page.items));
      setNext(page.next_before);
    } catch (reason) {
      setError(reason);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load();
  }, []);

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('audit.title')}
      </Typography.Title>
      <ProblemAlert error={error} onRetry={() => void load()} />
      <Card size="small" extra={<Button onClick={() => void load()}>{t('common.refresh')}</Button>}>
        <Table<AuditEntry>
          size="small"
          rowKey="id"
          loading={loading}
          pagination={false}
          scroll={{ x: true }}
          dataSource={rows}
          locale={{ emptyText: t('common.none') }}
          columns={[
            { title: t('common.id'), dataIndex: 'id', width: 70 },
            { title: t('audit.at'), dataIndex: 'at', render: dateTime },
            { title: t('audit.actor'), dataIndex: 'actor_id' },
            { title: t('audit.action'), dataIndex: 'action', render: (a: string) => <code>{a}</code> },
            { title: t('audit.entity'), render: (_, e) => `${e.entity_type} ${e.entity_id}` },
            {
              title: t('audit.change'),
              render: (_, e) => (
                <code style={{ fontSize: 11, wordBreak: 'break-all' }}>
                  {json(e.before)}
                  {e.before !== null && e.after !== null ? ' → ' : ''}
                  {json(e.after)}
                </code>
              ),
            },
          ]}
        />
        {next && (
          <Button style={{ marginTop: 12 }} onClick={() => void load(next)} loading={loading}>
            {t('audit.more')}
          </Button>
        )}
      </Card>
    </>
  );
}
