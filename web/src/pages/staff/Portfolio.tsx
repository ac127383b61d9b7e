import { Card, Col, Row, Statistic, Typography } from 'antd';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { Async } from '../../components/Async';
import { Chart } from '../../components/Chart';
import { fractionPercent, money } from '../../format';
import { useApi } from '../../hooks';
import { useI18n, useLabel } from '../../i18n';
import type { Portfolio as Summary } from '../../api-types';

function Charts({ data }: { data: Summary }) {
  const { t } = useI18n();
  const label = useLabel();
  const byStatus = data.applications.by_status;
  const count = (status: string) => byStatus[status] ?? 0;
  const options = useMemo(
    () => ({
      disbursed: {
        tooltip: { trigger: 'axis' },
        grid: { left: 60, right: 16, top: 24, bottom: 32 },
        xAxis: { type: 'category', data: data.disbursed_by_day.map((d) => d.date) },
        yAxis: { type: 'value' },
        series: [{ type: 'bar', name: t('common.amount'), data: data.disbursed_by_day.map((d) => Number(d.amount)), itemStyle: { color: '#1677ff' } }],
      },
      buckets: {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 60, right: 40, top: 32, bottom: 32 },
        xAxis: { type: 'category', data: data.buckets.map((b) => b.key) },
        yAxis: [{ type: 'value' }, { type: 'value', minInterval: 1 }],
        series: [
          { type: 'bar', name: t('pf.outstanding'), data: data.buckets.map((b) => Number(b.outstanding)) },
          { type: 'line', name: t('pf.count'), yAxisIndex: 1, data: data.buckets.map((b) => b.loans) },
        ],
      },
      classification: {
        tooltip: { trigger: 'item' },
        legend: { bottom: 0 },
        series: [
          {
            type: 'pie',
            radius: ['40%', '68%'],
            data: data.classification.map((c) => ({ name: label('class', c.key), value: Number(c.outstanding) })),
          },
        ],
      },
      applications: {
        tooltip: { trigger: 'item' },
        legend: { bottom: 0 },
        series: [
          {
            type: 'pie',
            radius: '65%',
            data: [
              { name: t('app.status.approved'), value: count('approved') + count('accepted'), itemStyle: { color: '#52c41a' } },
              { name: t('app.status.declined'), value: count('declined'), itemStyle: { color: '#ff4d4f' } },
              { name: t('app.status.referred'), value: count('referred'), itemStyle: { color: '#faad14' } },
            ],
          },
        ],
      },
    }),
    [data, t, label],
  );
  return (
    <Row gutter={[12, 12]}>
      <Col xs={24} lg={12}>
        <Card size="small" title={t('pf.disbursed')}>
          <Chart option={options.disbursed} label={t('pf.disbursed')} />
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card size="small" title={t('pf.buckets')}>
          <Chart option={options.buckets} label={t('pf.buckets')} />
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card size="small" title={t('pf.classification')}>
          <Chart option={options.classification} label={t('pf.classification')} />
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card size="small" title={t('pf.applications')}>
          <Chart option={options.applications} label={t('pf.applications')} />
        </Card>
      </Col>
    </Row>
  );
}

export default function Portfolio() {
  const { t } = useI18n();
  const state = useApi((signal) => api.get('/portfolio/summary', { signal }), []);
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('pf.title')}
      </Typography.Title>
      <Async state={state}>
        {(data) => (
          <>
            <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
              <Col xs={12} md={6}>
                <Card size="small">
                  <Statistic title={t('pf.outstanding')} value={money(data.outstanding_principal)} />
                </Card>
              </Col>
              <Col xs={12} md={6}>
                <Card size="small">
                  <Statistic title={t('pf.active')} value={data.loans_active} />
                </Card>
              </Col>
              <Col xs={12} md={6}>
                <Card size="small">
                  <Statistic title={t('pf.approvalRate')} value={fractionPercent(data.applications.approval_rate)} />
                </Card>
              </Col>
              <Col xs={12} md={6}>
                <Card size="small">
                  <Statistic title={t('pf.badDebt')} value={fractionPercent(data.bad_debt_rate)} />
                </Card>
              </Col>
            </Row>
            <Typography.Paragraph type="secondary">
              {t('common.businessDate')}: {data.business_date} · <Link to="/staff/close-of-business">{t('pf.toCob')}</Link>
            </Typography.Paragraph>
            <Charts data={data} />
          </>
        )}
      </Async>
    </>
  );
}
