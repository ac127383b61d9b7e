import { Alert, App, Button, Card, Descriptions, Form, Input, Radio, Space, Table, Typography } from 'antd';
import { useParams } from 'react-router';
import { api } from '../../api';
import { useAuth } from '../../auth';
import { Async } from '../../components/Async';
import { AprFigure, ScheduleTable, StatusTag } from '../../components/Finance';
import { ProblemAlert } from '../../components/ProblemAlert';
import { dateTime, fractionPercent, money } from '../../format';
import { useAction, useApi } from '../../hooks';
import { useI18n, useLabel } from '../../i18n';
import type { Reason, Verdict } from '../../api-types';

export default function StaffApplication() {
  const { id } = useParams();
  const { t, pick } = useI18n();
  const label = useLabel();
  const { me } = useAuth();
  const { message } = App.useApp();
  const state = useApi((signal) => api.get('/applications/{id}', { path: { id: Number(id) }, signal }), [id]);
  const decide = useAction((decision: Verdict, comment: string) => api.post('/applications/{id}/decision', { path: { id: Number(id) }, body: { decision, comment } }));

  const onFinish = async (values: { decision: Verdict; comment: string }) => {
    const result = await decide.run(values.decision, values.comment.trim());
    if (result) {
      message.success(t('uw.decided'));
      state.setData(result);
    }
  };

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('app.decisionTitle')} #{id}
      </Typography.Title>
      <Async state={state}>
        {(app) => {
          const d = app.decision;
          return (
            <>
              <Card size="small" data-testid="staff-application">
                <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} bordered>
                  <Descriptions.Item label={t('common.status')}>
                    <StatusTag prefix="app.status" status={app.status} />
                  </Descriptions.Item>
                  <Descriptions.Item label={t('uw.borrower')}>{app.borrower_id ?? '—'}</Descriptions.Item>
                  <Descriptions.Item label={t('app.created')}>{dateTime(app.created_at)}</Descriptions.Item>
                  <Descriptions.Item label={t('app.product')}>{app.product_code}</Descriptions.Item>
                  <Descriptions.Item label={t('common.amount')}>{money(app.amount)}</Descriptions.Item>
                  <Descriptions.Item label={t('contract.term')}>{t('contract.months', { n: app.term_months })}</Descriptions.Item>
                  <Descriptions.Item label={t('calc.method')}>{t(`method.${app.method}`)}</Descriptions.Item>
                  <Descriptions.Item label={t('apply.purpose')}>{label('purpose', app.purpose)}</Descriptions.Item>
                  <Descriptions.Item label={t('uw.identity')}>
                    {d?.reasons.some((r) => r.code === 'identity_not_verified') ? (
                      <StatusTag prefix="identity.status" status="rejected" testId="identity-status" />
                    ) : d ? (
                      // Policy declines every application without a verified identity.
                      <>
                        <StatusTag prefix="identity.status" status="verified" testId="identity-status" /> {t('uw.identityByPolicy')}
                      </>
                    ) : (
                      '—'
                    )}
                  </Descriptions.Item>
                  {d && (
                    <>
                      <Descriptions.Item label={t('app.score')}>
                        <strong style={{ fontSize: 18 }}>{d.score}</strong>
                      </Descriptions.Item>
                      <Descriptions.Item label={t('app.grade')}>
                        <strong style={{ fontSize: 18 }}>{d.grade}</strong>
                      </Descriptions.Item>
                      <Descriptions.Item label={t('app.pd')}>{fractionPercent(d.probability_of_default)}</Descriptions.Item>
                      <Descriptions.Item label={t('app.model')}>{d.model}</Descriptions.Item>
                      <Descriptions.Item label={t('app.approvedAmount')}>{money(d.approved_amount)}</Descriptions.Item>
                      <Descriptions.Item label={t('app.annualRate')}>{d.annual_rate?.percent ?? '—'}</Descriptions.Item>
                    </>
                  )}
                </Descriptions>
              </Card>
              {d && (
                <Card size="small" title={t('uw.reasonCodes')}>
                  <Table<Reason>
                    size="small"
                    rowKey="code"
                    pagination={false}
                    dataSource={d.reasons}
                    locale={{ emptyText: t('common.none') }}
                    columns={[
                      { title: 'code', dataIndex: 'code', render: (c: string) => <code>{c}</code> },
                      { title: t('app.reasons'), render: (_, r) => pick(r.text_zh, r.text_en) },
                    ]}
                  />
                </Card>
              )}
              {d?.offer && (
                <Card size="small" title={t('apply.offers')}>
                  <AprFigure apr={d.offer.apr} size={24} />
                  <ScheduleTable rows={d.offer.schedule} />
                </Card>
              )}
              {app.underwriting && (
                <Alert
                  type="info"
                  showIcon
                  title={t('app.underwriting')}
                  description={`${app.underwriting.decision} · ${app.underwriting.comment} · #${app.underwriting.decided_by} · ${dateTime(app.underwriting.at)}`}
                  style={{ marginBottom: 12 }}
                />
              )}
              {app.status === 'referred' && (me?.role === 'underwriter' || me?.role === 'admin') && (
                <Card size="small" title={t('uw.decide')} data-testid="decide">
                  <ProblemAlert error={decide.error} />
                  <Form layout="vertical" requiredMark={false} onFinish={onFinish} initialValues={{ decision: 'approve' }}>
                    <Form.Item label={t('uw.decide')} name="decision" rules={[{ required: true, message: t('common.required') }]}>
                      <Radio.Group
                        options={[
                          { value: 'approve', label: t('uw.approve') },
                          { value: 'decline', label: t('uw.decline') },
                        ]}
                      />
                    </Form.Item>
                    <Form.Item
                      label={t('uw.comment')}
                      name="comment"
                      rules={[{ required: true, whitespace: true, message: t('uw.commentRequired') }]}
                    >
                      <Input.TextArea rows={3} maxLength={1000} showCount />
                    </Form.Item>
                    <Space>
                      <Button type="primary" htmlType="submit" loading={decide.pending}>
                        {t('common.submit')}
                      </Button>
                    </Space>
                  </Form>
                </Card>
              )}
            </>
          );
        }}
      </Async>
    </>
  );
}
