// Close of business: the business date against the schedule, whether a run
// is in progress, the recent runs, and (admins) closing through a date by
// hand (GET /admin/close-of-business, POST /admin/business-date).
import { App, Button, Card, Descriptions, Empty, Form, Grid, Input, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect } from 'react';
import { api } from '../../api';
import { ADMINS, useHasRole } from '../../auth';
import { Async } from '../../components/Async';
import { ProblemAlert } from '../../components/ProblemAlert';
import { showFieldErrors } from '../../forms';
import { addDays, count, dateTime, duration, nextDailyRun } from '../../format';
import { useAction, useApi } from '../../hooks';
import { useI18n, useLabel } from '../../i18n';
import type { CobRun, CobStatus } from '../../api-types';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Days from one calendar date to another. */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** A run is in progress when one is marked running or an instance holds the schedule's lease. */
function inProgress(status: CobStatus): boolean {
  const leased = !!status.lease_holder && !!status.lease_expires_at && new Date(status.lease_expires_at).getTime() > Date.now();
  return leased || status.runs.some((run) => run.status === 'running');
}

function Overview({ status }: { status: CobStatus }) {
  const { t } = useI18n();
  const lag = daysBetween(status.business_date, status.due);
  const running = inProgress(status);
  const screens = Grid.useBreakpoint();
  return (
    <Card size="small" style={{ marginBottom: 12 }}>
      <Descriptions size="small" column={{ xs: 1, sm: 1, md: 2 }} bordered layout={screens.sm ? 'horizontal' : 'vertical'}>
        <Descriptions.Item label={t('common.businessDate')}>
          <Typography.Text strong style={{ fontSize: 18 }} data-testid="cob-business-date">
            {status.business_date}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('cob.due')}>
          <Space wrap size={4}>
            <span data-testid="cob-due">{status.due}</span>
            {lag > 0 ? (
              <Tag color="orange" style={{ whiteSpace: 'normal' }}>{t(status.schedule_enabled ? 'cob.behind' : 'cob.behindOff', { n: lag })}</Tag>
            ) : lag < 0 ? (
              <Tag color="blue" style={{ whiteSpace: 'normal' }}>{t('cob.ahead')}</Tag>
            ) : (
              <Tag color="green">{t('cob.upToDate')}</Tag>
            )}
          </Space>
        </Descriptions.Item>
        <Descriptions.Item label={t('cob.schedule')}>
          {status.schedule_enabled ? t('cob.scheduleAt', { at: status.schedule_at, zone: status.time_zone }) : t('cob.scheduleOff')}
        </Descriptions.Item>
        <Descriptions.Item label={t('cob.nextRun')}>
          <span data-testid="cob-next-run">
            {status.schedule_enabled ? t('cob.nextRunAt', { at: nextDailyRun(status.schedule_at, status.time_zone), zone: status.time_zone }) : '—'}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('cob.state')} span={{ xs: 1, md: 2 }}>
          <Space wrap size={4} data-testid="cob-state">
            {running ? <Tag color="processing">{t('cob.running')}</Tag> : <Tag>{t('cob.idle')}</Tag>}
            {status.lease_holder && (
              <Typography.Text type="secondary">
                {t('cob.leaseHeld', { holder: status.lease_holder, until: dateTime(status.lease_expires_at) })}
              </Typography.Text>
            )}
          </Space>
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

function Runs({ runs }: { runs: CobRun[] }) {
  const { t } = useI18n();
  const label = useLabel();
  const nowrap = { whiteSpace: 'nowrap' } as const;
  const columns: ColumnsType<CobRun> = [
    { title: t('cob.run'), dataIndex: 'id', width: 64, responsive: ['sm'], render: (id: number) => `#${id}` },
    {
      title: t('cob.days'),
      key: 'days',
      render: (_, run) => (
        <>
          <span style={nowrap}>{run.from_date} →</span> <span style={nowrap}>{run.to_date}</span>
        </>
      ),
    },
    {
      title: t('common.status'),
      dataIndex: 'status',
      render: (status: string) => <Tag color={status === 'done' ? 'green' : status === 'running' ? 'processing' : 'default'}>{label('cob.status', status)}</Tag>,
    },
    { title: t('cob.loans'), dataIndex: 'loans', align: 'right', render: (loans: number) => count(loans) },
    { title: t('cob.chunks'), key: 'chunks', align: 'right', responsive: ['md'], render: (_, run) => `${count(run.chunks_done)}/${count(run.chunks)}` },
    { title: t('cob.started'), dataIndex: 'started_at', responsive: ['md'], render: (at: string) => <span style={nowrap}>{dateTime(at)}</span> },
    { title: t('cob.duration'), key: 'duration', align: 'right', render: (_, run) => <span style={nowrap}>{run.finished_at ? duration(run.started_at, run.finished_at) : `${duration(run.started_at, new Date().toISOString())}…`}</span> },
  ];
  // Headings on one line: a narrow screen drops columns rather than stacking characters.
  for (const column of columns) column.onHeaderCell = () => ({ style: nowrap });
  return (
    <Table<CobRun>
      size="small"
      rowKey="id"
      pagination={false}
      scroll={{ x: true }}
      dataSource={runs}
      columns={columns}
      data-testid="cob-runs"
      locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('cob.noRuns')} /> }}
    />
  );
}

function CloseThrough({ status, onDone }: { status: CobStatus; onDone: () => void }) {
  const busy = inProgress(status);
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ date: string }>();
  const advance = useAction((date: string) => api.post('/admin/business-date', { body: { date } }));
  const next = addDays(status.business_date, 1);

  useEffect(() => {
    form.setFieldsValue({ date: next });
  }, [form, next]);
  useEffect(() => {
    showFieldErrors(form, advance.error, { date: 'date' });
  }, [form, advance.error]);

  const submit = async (values: { date: string }) => {
    const result = await advance.run(values.date);
    if (result) {
      message.success(t('cob.closed', { date: result.business_date, n: result.loans_processed }));
      onDone();
    }
  };
  return (
    <Card size="small" title={t('cob.closeThrough')} style={{ marginBottom: 12 }}>
      <Typography.Paragraph type="secondary">{t('cob.closeIntro')}</Typography.Paragraph>
      <ProblemAlert error={advance.error} />
      <Form form={form} name="close-through" layout="inline" requiredMark={false} onFinish={submit} style={{ rowGap: 8 }}>
        <Form.Item
          label={t('cob.closeDate')}
          name="date"
          rules={[
            { required: true, message: t('common.required') },
            { validator: (_, value: string | undefined) => (!value || (DATE_RE.test(value) && value > status.business_date) ? Promise.resolve() : Promise.reject(new Error(t('cob.dateInvalid')))) },
          ]}
        >
          <Input type="date" min={next} />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit" loading={advance.pending} disabled={busy && !advance.pending}>
            {t('cob.close')}
          </Button>
        </Form.Item>
      </Form>
    </Card>
  );
}

export default function CloseOfBusiness() {
  const { t } = useI18n();
  const isAdmin = useHasRole(ADMINS);
  const state = useApi((signal) => api.get('/admin/close-of-business', { signal }), []);
  const running = state.data ? inProgress(state.data) : false;
  const { reload } = state;

  // While a run is in progress, follow it.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reload, 5000);
    return () => clearInterval(timer);
  }, [running, reload]);

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('cob.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('cob.intro')}</Typography.Paragraph>
      <Async state={state}>
        {(status) => (
          <>
            <Overview status={status} />
            {isAdmin && <CloseThrough status={status} onDone={reload} />}
            <Card size="small" title={t('cob.runs')} extra={<Button size="small" onClick={reload} loading={state.loading}>{t('common.refresh')}</Button>}>
              <Runs runs={status.runs} />
            </Card>
          </>
        )}
      </Async>
    </>
  );
}
