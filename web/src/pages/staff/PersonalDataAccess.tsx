import { Button, Card, Form, InputNumber, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { dateTime } from '../../format';
import { useI18n } from '../../i18n';
import type { PersonalDataAccess as Access } from '../../api-types';

/** The auditor's record of who viewed whose personal data unmasked. */
export default function PersonalDataAccess() {
  const { t } = useI18n();
  const [rows, setRows] = useState<Access[]>([]);
  const [next, setNext] = useState<number | null | undefined>(undefined);
  const [borrower, setBorrower] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  const load = async (borrowerId: number | null, before?: number | null) => {
    setLoading(true);
    setError(null);
    try {
      const query = { borrower_id: borrowerId ?? undefined, before: before ?? undefined };
      const page = await api.get('/admin/personal-data-access', { query });
      setRows((current) => (before ? [...current, ...page.items] : page.items));
      setNext(page.next_before);
    } catch (reason) {
      setError(reason);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(null);
  }, []);

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('pda.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('pda.intro')}</Typography.Paragraph>
      <ProblemAlert error={error} onRetry={() => void load(borrower)} />
      <Card
        size="small"
        title={
          <Form layout="inline" onFinish={() => void load(borrower)}>
            <Form.Item label={t('pda.filterBorrower')}>
              <InputNumber min={1} value={borrower} onChange={(value) => setBorrower(value)} style={{ width: 120 }} />
            </Form.Item>
            <Button htmlType="submit">{t('common.search')}</Button>
          </Form>
        }
      >
        <Table<Access>
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
            { title: t('pda.staff'), render: (_, row) => `#${row.staff_id} ${t(`role.${row.staff_role}`)}` },
            { title: t('pda.borrower'), dataIndex: 'borrower_id', render: (id: number) => `#${id}` },
            { title: t('pda.purpose'), dataIndex: 'purpose', render: (p: Access['purpose']) => t(`pda.purpose.${p}`) },
            { title: t('pda.reference'), dataIndex: 'reference', render: (r: string) => <code>{r}</code> },
            {
              title: t('pda.fields'),
              dataIndex: 'fields',
              render: (fields: Access['fields']) => fields.map((field) => <Tag key={field}>{t(`pda.field.${field}`)}</Tag>),
            },
          ]}
        />
        {next && (
          <Button style={{ marginTop: 12 }} onClick={() => void load(borrower, next)} loading={loading}>
            {t('audit.more')}
          </Button>
        )}
      </Card>
    </>
  );
}
