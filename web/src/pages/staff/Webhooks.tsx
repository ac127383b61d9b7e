// Integrators' webhooks (admin): each with its delivery state, and the
// registration form, whose answer carries the signing secret exactly once
// (GET and POST /admin/webhooks; docs/events.md).
import { Alert, Button, Card, Empty, Form, Grid, Input, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect, useRef, useState, type HTMLAttributes } from 'react';
import { api, newIdempotencyKey } from '../../api';
import { Async } from '../../components/Async';
import { ProblemAlert } from '../../components/ProblemAlert';
import { showFieldErrors } from '../../forms';
import { count, dateTime, dateTimeSeconds, webhookUrlValid } from '../../format';
import { useAction, useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { NewWebhook, Webhook, WebhookCreated } from '../../api-types';

/** The server's limit on a description (routes/webhooks.rs). */
const DESCRIPTION_MAX = 200;
/** Failures in a row after which a retrying webhook is shown as failing (the backoff is then past half a minute). */
const FAILING_AFTER = 5;

type Health = 'inactive' | 'healthy' | 'retrying' | 'failing';

function webhookHealth(webhook: Webhook): Health {
  if (!webhook.active) return 'inactive';
  if (webhook.attempts === 0) return 'healthy';
  return webhook.attempts >= FAILING_AFTER ? 'failing' : 'retrying';
}

const HEALTH_COLOR: Record<Health, string> = { inactive: 'default', healthy: 'green', retrying: 'orange', failing: 'red' };

function DeliveryState({ webhook }: { webhook: Webhook }) {
  const { t } = useI18n();
  const health = webhookHealth(webhook);
  return (
    <div data-testid="webhook-state" style={{ minWidth: 200, maxWidth: 360 }}>
      <Space wrap size={4}>
        <Tag color={HEALTH_COLOR[health]}>{t(`hook.${health}`)}</Tag>
        {health === 'healthy' && webhook.behind > 0 && <Typography.Text type="secondary">{t('hook.catchingUp', { n: count(webhook.behind) })}</Typography.Text>}
      </Space>
      {(health === 'retrying' || health === 'failing') && (
        <div style={{ marginTop: 4, fontSize: 12 }}>
          <div>
            {t('hook.attempts', { n: webhook.attempts })}
            {webhook.next_attempt_at && <> · {t('hook.nextAttempt', { at: dateTimeSeconds(webhook.next_attempt_at) })}</>}
          </div>
          {webhook.last_error && (
            <Typography.Text type="danger" style={{ fontSize: 12, overflowWrap: 'anywhere' }} data-testid="webhook-error">
              {t('hook.lastError')}: {webhook.last_error}
            </Typography.Text>
          )}
        </div>
      )}
    </div>
  );
}

function Url({ webhook }: { webhook: Webhook }) {
  return (
    <>
      <Typography.Text code style={{ overflowWrap: 'anywhere' }}>
        {webhook.url}
      </Typography.Text>
      {webhook.description && (
        <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
          {webhook.description}
        </Typography.Text>
      )}
    </>
  );
}

function WebhookTable({ webhooks }: { webhooks: Webhook[] }) {
  const { t } = useI18n();
  const columns: ColumnsType<Webhook> = [
    { title: t('common.id'), dataIndex: 'id', width: 56, render: (id: number) => `#${id}` },
    { title: t('hook.url'), dataIndex: 'url', render: (_, webhook) => <div style={{ minWidth: 220, maxWidth: 420 }}><Url webhook={webhook} /></div> },
    { title: t('hook.state'), key: 'state', render: (_, webhook) => <DeliveryState webhook={webhook} /> },
    { title: t('hook.delivered'), dataIndex: 'delivered_through', align: 'right', render: (id: number) => (id ? `#${id}` : '—') },
    { title: t('hook.behind'), dataIndex: 'behind', align: 'right', render: (behind: number) => count(behind) },
    { title: t('hook.created'), dataIndex: 'created_at', responsive: ['xl'], render: (at: string) => <span style={{ whiteSpace: 'nowrap' }}>{dateTime(at)}</span> },
  ];
  for (const column of columns) column.onHeaderCell = () => ({ style: { whiteSpace: 'nowrap' } });
  return (
    <Table<Webhook>
      size="small"
      rowKey="id"
      pagination={false}
      scroll={{ x: true }}
      dataSource={webhooks}
      columns={columns}
      data-testid="webhooks"
      onRow={() => ({ 'data-testid': 'webhook' }) as HTMLAttributes<HTMLElement>}
      locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('hook.none')} /> }}
    />
  );
}

/** On a phone: one block per webhook instead of a table too wide to read. */
function WebhookCards({ webhooks }: { webhooks: Webhook[] }) {
  const { t } = useI18n();
  if (webhooks.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('hook.none')} />;
  return (
    <div data-testid="webhooks">
      {webhooks.map((webhook, index) => (
        <div key={webhook.id} data-testid="webhook" style={{ padding: '10px 0', borderTop: index ? '1px solid #f0f0f0' : undefined }}>
          <div style={{ display: 'flex', gap: 8, alignItems: 'baseline' }}>
            <Typography.Text type="secondary" style={{ whiteSpace: 'nowrap', flexShrink: 0 }}>#{webhook.id}</Typography.Text>
            <div style={{ minWidth: 0 }}>
              <Url webhook={webhook} />
            </div>
          </div>
          <div style={{ marginTop: 6 }}>
            <DeliveryState webhook={webhook} />
          </div>
          <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12, marginTop: 4 }}>
            {t('hook.delivered')} {webhook.delivered_through ? `#${webhook.delivered_through}` : '—'} · {t('hook.behind')} {count(webhook.behind)} · {t('hook.created')} {dateTime(webhook.created_at)}
          </Typography.Text>
        </div>
      ))}
    </div>
  );
}

/** The secret of a webhook just registered: shown once, with how deliveries are signed. */
function SecretOnce({ created, onDone }: { created: WebhookCreated; onDone: () => void }) {
  const { t } = useI18n();
  return (
    <Alert
      type="warning"
      showIcon
      data-testid="webhook-secret"
      style={{ marginBottom: 12 }}
      title={t('hook.registered', { id: created.id })}
      description={
        <>
          <Typography.Paragraph strong style={{ marginBottom: 4 }}>
            {t('hook.secretOnce')}
          </Typography.Paragraph>
          <Typography.Paragraph copyable={{ text: created.secret }} style={{ marginBottom: 8 }}>
            {t('hook.secret')}: <Typography.Text code style={{ wordBreak: 'break-all' }} data-testid="webhook-secret-value">{created.secret}</Typography.Text>
          </Typography.Paragraph>
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 8 }}>
            {t('hook.signature')}
          </Typography.Paragraph>
          <Button size="small" onClick={onDone}>
            {t('hook.secretDone')}
          </Button>
        </>
      }
    />
  );
}

function RegisterForm({ onRegistered }: { onRegistered: (created: WebhookCreated) => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<NewWebhook>();
  // One key per intended registration: a retry of the same values replays the first answer.
  const key = useRef<string | null>(null);
  const register = useAction((body: NewWebhook, idempotencyKey: string) => api.post('/admin/webhooks', { body, idempotencyKey }));

  useEffect(() => {
    showFieldErrors(form, register.error, { url: 'url', description: 'description' });
  }, [form, register.error]);

  const submit = async (values: NewWebhook) => {
    key.current ??= newIdempotencyKey();
    const created = await register.run({ url: values.url.trim(), description: values.description?.trim() ?? '' }, key.current);
    if (created) {
      key.current = null;
      form.resetFields();
      onRegistered(created);
    }
  };

  return (
    <Card size="small" title={t('hook.new')} style={{ marginBottom: 12 }}>
      <ProblemAlert error={register.error} />
      <Form form={form} name="webhook" layout="vertical" requiredMark={false} onFinish={submit} onValuesChange={() => (key.current = null)} style={{ maxWidth: 640 }}>
        <Form.Item
          label={t('hook.url')}
          name="url"
          rules={[
            { required: true, whitespace: true, message: t('common.required') },
            { validator: (_, value: string | undefined) => (!value?.trim() || webhookUrlValid(value.trim()) ? Promise.resolve() : Promise.reject(new Error(t('hook.urlInvalid')))) },
          ]}
        >
          <Input inputMode="url" autoComplete="off" spellCheck={false} placeholder={t('hook.urlPlaceholder')} />
        </Form.Item>
        <Form.Item label={t('hook.description')} name="description" rules={[{ max: DESCRIPTION_MAX, message: t('hook.descriptionTooLong', { max: DESCRIPTION_MAX }) }]}>
          <Input showCount maxLength={DESCRIPTION_MAX} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={register.pending}>
          {t('hook.register')}
        </Button>
      </Form>
    </Card>
  );
}

export default function Webhooks() {
  const { t } = useI18n();
  const state = useApi((signal) => api.get('/admin/webhooks', { signal }), []);
  const [created, setCreated] = useState<WebhookCreated | null>(null);
  const { reload } = state;
  const screens = Grid.useBreakpoint();

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('hook.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('hook.intro')}</Typography.Paragraph>
      {created && <SecretOnce created={created} onDone={() => setCreated(null)} />}
      <RegisterForm
        onRegistered={(webhook) => {
          setCreated(webhook);
          reload();
        }}
      />
      <Card size="small" title={t('hook.list')} extra={<Button size="small" onClick={reload} loading={state.loading}>{t('common.refresh')}</Button>}>
        <Async state={state}>{(webhooks) => (screens.md ? <WebhookTable webhooks={webhooks} /> : <WebhookCards webhooks={webhooks} />)}</Async>
      </Card>
    </>
  );
}
