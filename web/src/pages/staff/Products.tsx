import { App, Button, Card, Col, Drawer, Form, Input, InputNumber, Row, Select, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api, ApiError } from '../../api';
import { useAuth } from '../../auth';
import { Async } from '../../components/Async';
import { ProblemAlert } from '../../components/ProblemAlert';
import { AMOUNT_RE, money } from '../../format';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { METHODS, type Product } from '../../types';
import * as normalize from '../../normalize';

const FORM_KEYS = ['code', 'name', 'name_en', 'kind', 'min_amount', 'max_amount', 'min_term_months', 'max_term_months', 'min_annual_rate', 'max_annual_rate', 'methods', 'grace_days', 'active'] as const;
const DERIVED = ['min_annual_rate_percent', 'max_annual_rate_percent', 'version'];
const RATE_RE = /^0(?:\.\d{1,10})?$/;

type Values = Pick<Product, (typeof FORM_KEYS)[number]> & { other: string };

function toValues(product: Product | null): Partial<Values> {
  if (!product) return { kind: 'consumer', methods: ['equal-installment'], grace_days: 3, active: true, other: '{}' };
  const other: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(product)) {
    if (!(FORM_KEYS as readonly string[]).includes(key) && !DERIVED.includes(key) && key !== 'repayment_methods') other[key] = value;
  }
  return { ...product, other: JSON.stringify(other, null, 2) } as Partial<Values>;
}

function Editor({ product, schema, onSaved, onClose }: { product: Product | null; schema: Set<string>; onSaved: () => void; onClose: () => void }) {
  const methodsKey = schema.has('repayment_methods') ? 'repayment_methods' : 'methods';
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const submit = async (values: Values) => {
    const { other, methods, ...fields } = values;
    const body: Record<string, unknown> = { ...(JSON.parse(other || '{}') as object), ...fields, [methodsKey]: methods };
    // Only send what the server's product has (it may refuse unknown fields).
    for (const key of ['name_en', 'active'] as const) if (!schema.has(key)) delete body[key];
    setPending(true);
    setError(null);
    try {
      if (product) await api.put(`/admin/products/${encodeURIComponent(product.code)}`, body);
      else await api.post('/admin/products', body);
      message.success(t('prod.saved'));
      onSaved();
    } catch (reason) {
      setError(reason);
      if (reason instanceof ApiError && reason.errors.length) {
        const names = new Set<string>(FORM_KEYS);
        form.setFields(
          reason.errors
            .filter((e) => names.has(e.field.split(/[.[]/)[0]))
            .map((e) => ({ name: e.field.split(/[.[]/)[0] as keyof Values, errors: [e.message] })),
        );
      }
    } finally {
      setPending(false);
    }
  };

  const required = { required: true, message: t('common.required') };
  return (
    <Drawer open title={product ? `${t('prod.edit')} ${product.code}` : t('prod.new')} size={560} onClose={onClose} destroyOnHidden>
      <ProblemAlert error={error} />
      <Form form={form} layout="vertical" requiredMark={false} initialValues={toValues(product)} onFinish={submit}>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item label={t('prod.code')} name="code" rules={[required, { pattern: /^[A-Z0-9_]{2,32}$/, message: 'A-Z 0-9 _' }]}>
              <Input disabled={!!product} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('prod.kind')} name="kind" rules={[required]}>
              <Select options={(['consumer', 'education', 'medical'] as const).map((k) => ({ value: k, label: t(`purpose.${k}`) }))} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('prod.name')} name="name" rules={[required]}>
              <Input />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('prod.nameEn')} name="name_en">
              <Input />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('prod.minAmount')} name="min_amount" rules={[required, { pattern: /^\d+\.\d{2}$/, message: '0.00' }]}>
              <Input inputMode="decimal" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('prod.maxAmount')} name="max_amount" rules={[required, { pattern: AMOUNT_RE, message: '0.00' }]}>
              <Input inputMode="decimal" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('prod.minTerm')} name="min_term_months" rules={[required]}>
              <InputNumber min={1} max={360} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('prod.maxTerm')} name="max_term_months" rules={[required]}>
              <InputNumber min={1} max={360} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('prod.minRate')} name="min_annual_rate" rules={[required, { pattern: RATE_RE, message: '0.xx' }]}>
              <Input inputMode="decimal" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('prod.maxRate')} name="max_annual_rate" rules={[required, { pattern: RATE_RE, message: '0.xx' }]}>
              <Input inputMode="decimal" />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item label={t('prod.methods')} name="methods" rules={[{ required: true, type: 'array', min: 1, message: t('common.required') }]}>
              <Select mode="multiple" options={METHODS.map((m) => ({ value: m, label: t(`method.${m}`) }))} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('prod.graceDays')} name="grace_days" rules={[required]}>
              <InputNumber min={0} max={30} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('prod.active')} name="active" valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item
              label={t('prod.advanced')}
              name="other"
              rules={[
                {
                  validator: (_, value: string) => {
                    try {
                      const parsed = JSON.parse(value || '{}');
                      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? Promise.resolve() : Promise.reject(new Error(t('prod.jsonInvalid')));
                    } catch {
                      return Promise.reject(new Error(t('prod.jsonInvalid')));
                    }
                  },
                },
              ]}
            >
              <Input.TextArea rows={8} style={{ fontFamily: 'monospace', fontSize: 12 }} />
            </Form.Item>
          </Col>
        </Row>
        <Button type="primary" htmlType="submit" loading={pending}>
          {t('common.save')}
        </Button>
      </Form>
    </Drawer>
  );
}

export default function Products() {
  const { t, lang } = useI18n();
  const { me } = useAuth();
  const state = useApi((signal) => api.get<unknown[] | { items: unknown[] }>('/products', signal).then((d) => (Array.isArray(d) ? d : d.items).map(normalize.product)), []);
  const [editing, setEditing] = useState<Product | null | 'new'>(null);
  const isAdmin = me?.role === 'admin';
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('prod.title')}
      </Typography.Title>
      <Card size="small" extra={isAdmin && <Button type="primary" onClick={() => setEditing('new')}>{t('prod.new')}</Button>}>
        <Async state={state}>
          {(data) => (
            <Table<Product>
              size="small"
              rowKey="code"
              scroll={{ x: true }}
              dataSource={data}
              columns={[
                { title: t('prod.code'), dataIndex: 'code' },
                { title: t('prod.name'), render: (_, p) => (lang === 'en' ? p.name_en : p.name) },
                { title: t('prod.kind'), dataIndex: 'kind', render: (k: 'consumer' | 'education' | 'medical') => t(`purpose.${k}`) },
                { title: t('prod.amountRange'), render: (_, p) => `${money(p.min_amount)} – ${money(p.max_amount)}` },
                { title: t('prod.termRange'), render: (_, p) => `${p.min_term_months} – ${p.max_term_months}` },
                { title: t('prod.rateRange'), render: (_, p) => `${p.min_annual_rate_percent ?? p.min_annual_rate} – ${p.max_annual_rate_percent ?? p.max_annual_rate}` },
                { title: t('prod.methods'), dataIndex: 'methods', render: (ms: string[]) => ms.map((m) => <Tag key={m}>{t(`method.${m}` as 'method.bullet')}</Tag>) },
                { title: t('prod.active'), dataIndex: 'active', render: (a: boolean) => (a ? <Tag color="green">{t('common.yes')}</Tag> : <Tag>{t('common.no')}</Tag>) },
                ...(isAdmin ? [{ title: t('common.actions'), key: 'edit', render: (_: unknown, p: Product) => <Button size="small" onClick={() => setEditing(p)}>{t('prod.edit')}</Button> }] : []),
              ]}
            />
          )}
        </Async>
      </Card>
      {editing !== null && (
        <Editor
          product={editing === 'new' ? null : editing}
          schema={new Set(Object.keys(state.data?.[0] ?? { methods: [], name_en: '', active: true }))}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            state.reload();
          }}
        />
      )}
    </>
  );
}
