import { App, Button, Card, Col, Drawer, Form, Input, InputNumber, Row, Select, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api, ApiError } from '../../api';
import { useAuth } from '../../auth';
import { Async } from '../../components/Async';
import { ProblemAlert } from '../../components/ProblemAlert';
import { AMOUNT_RE, money } from '../../format';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { METHODS, type LoanProduct, type Product } from '../../api-types';

const FORM_KEYS = ['code', 'name', 'kind', 'min_amount', 'max_amount', 'min_term_months', 'max_term_months', 'min_annual_rate', 'max_annual_rate', 'repayment_methods', 'grace_days'] as const;
/** What the list adds to a product; not part of what is saved. */
const DERIVED = ['min_annual_rate_percent', 'max_annual_rate_percent', 'version'];
const RATE_RE = /^0(?:\.\d{1,10})?$/;

type Values = Pick<LoanProduct, (typeof FORM_KEYS)[number]> & { other: string };

function toValues(product: Product | null): Partial<Values> {
  if (!product) return { kind: 'consumer', repayment_methods: ['equal-installment'], grace_days: 3, other: '{}' };
  const other: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(product)) {
    if (!(FORM_KEYS as readonly string[]).includes(key) && !DERIVED.includes(key)) other[key] = value;
  }
  return { ...product, other: JSON.stringify(other, null, 2) };
}

function Editor({ product, onSaved, onClose }: { product: Product | null; onSaved: () => void; onClose: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const submit = async (values: Values) => {
    const { other, ...fields } = values;
    // The advanced JSON holds the product's other terms (fees, penalty, allocation, …).
    const body = { ...(JSON.parse(other || '{}') as Partial<LoanProduct>), ...fields };
    setPending(true);
    setError(null);
    try {
      if (product) await api.put('/admin/products/{code}', { path: { code: product.code }, body });
      else await api.post('/admin/products', { body });
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
            <Form.Item label={t('prod.methods')} name="repayment_methods" rules={[{ required: true, type: 'array', min: 1, message: t('common.required') }]}>
              <Select mode="multiple" options={METHODS.map((m) => ({ value: m, label: t(`method.${m}`) }))} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item label={t('prod.graceDays')} name="grace_days" rules={[required]}>
              <InputNumber min={0} max={30} precision={0} style={{ width: '100%' }} />
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
  const { t } = useI18n();
  const { me } = useAuth();
  const state = useApi((signal) => api.get('/products', { signal }), []);
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
                { title: t('prod.name'), dataIndex: 'name' },
                { title: t('prod.kind'), dataIndex: 'kind', render: (k: 'consumer' | 'education' | 'medical') => t(`purpose.${k}`) },
                { title: t('prod.amountRange'), render: (_, p) => `${money(p.min_amount)} – ${money(p.max_amount)}` },
                { title: t('prod.termRange'), render: (_, p) => `${p.min_term_months} – ${p.max_term_months}` },
                { title: t('prod.rateRange'), render: (_, p) => `${p.min_annual_rate_percent} – ${p.max_annual_rate_percent}` },
                { title: t('prod.methods'), dataIndex: 'repayment_methods', render: (ms: Product['repayment_methods']) => ms.map((m) => <Tag key={m}>{t(`method.${m}`)}</Tag>) },
                ...(isAdmin ? [{ title: t('common.actions'), key: 'edit', render: (_: unknown, p: Product) => <Button size="small" onClick={() => setEditing(p)}>{t('prod.edit')}</Button> }] : []),
              ]}
            />
          )}
        </Async>
      </Card>
      {editing !== null && (
        <Editor
          product={editing === 'new' ? null : editing}
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
