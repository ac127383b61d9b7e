import { Alert, Card, Empty, List, Space, Typography } from 'antd';
import { Link } from 'react-router';
import { api } from '../../api';
import { useAuth } from '../../auth';
import { Async } from '../../components/Async';
import { StatusTag } from '../../components/Finance';
import { LinkButton } from '../../components/LinkButton';
import { ProblemAlert } from '../../components/ProblemAlert';
import { money } from '../../format';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { loadIdentity } from '../../identity';

export default function Home() {
  const { t } = useI18n();
  const { me } = useAuth();
  const identity = useApi((signal) => loadIdentity(signal), []);
  const loans = useApi((signal) => api.get('/loans', { signal }), []);
  const applications = useApi((signal) => api.get('/applications', { signal }), []);
  const open = (applications.data?.items ?? []).filter((a) => a.status === 'approved' || a.status === 'referred');

  return (
    <>
      <Typography.Title level={1}>{t('home.greeting', { phone: me?.phone ?? '' })}</Typography.Title>
      {identity.error ? (
        <ProblemAlert error={identity.error} onRetry={identity.reload} />
      ) : (
        !identity.loading &&
        identity.data?.status !== 'verified' && (
          <Alert
            type="warning"
            showIcon
            title={t('home.verifyFirst')}
            action={
              <LinkButton to="/app/identity" size="small" type="primary">{t('home.verifyNow')}</LinkButton>
            }
            style={{ marginBottom: 12 }}
          />
        )
      )}
      {open.length > 0 && (
        <Card title={t('home.pendingApps')} size="small">
          <List
            dataSource={open}
            renderItem={(app) => (
              <List.Item actions={[<Link key="open" to={`/app/applications/${app.id}`}>{t('common.details')}</Link>]}>
                <Space>
                  #{app.id} {money(app.amount)} <StatusTag prefix="app.status" status={app.status} />
                </Space>
              </List.Item>
            )}
          />
        </Card>
      )}
      <Card title={t('home.myLoans')} size="small">
        <Async state={loans}>
          {(data) =>
            data.items.length === 0 ? (
              <Empty description={t('home.noLoans')}>
                <LinkButton to="/app/apply" type="primary">{t('home.applyNow')}</LinkButton>
              </Empty>
            ) : (
              <List
                dataSource={data.items}
                renderItem={(loan) => (
                  <List.Item>
                    <Link to={`/app/loans/${loan.id}`} style={{ width: '100%', color: 'inherit' }} data-testid="loan-link">
                      <Space style={{ justifyContent: 'space-between', width: '100%' }} wrap>
                        <span>
                          #{loan.id} {loan.product_code} <StatusTag prefix="loan.status" status={loan.status} />
                        </span>
                        <span>
                          {t('home.outstanding')} <strong>{money(loan.outstanding_principal)}</strong>
                        </span>
                      </Space>
                      <div style={{ color: 'rgba(0,0,0,0.6)', marginTop: 4 }}>
                        {t('home.due')}: <strong style={{ color: Number(loan.amount_due) > 0 ? '#cf1322' : undefined }}>{money(loan.amount_due)}</strong>
                        {loan.next_due_date && (
                          <>
                            {' · '}
                            {t('home.nextDue')}: {loan.next_due_date} {money(loan.next_due_amount)}
                          </>
                        )}
                      </div>
                    </Link>
                  </List.Item>
                )}
              />
            )
          }
        </Async>
      </Card>
      <Space wrap>
        <LinkButton to="/app/apply" type="primary">{t('home.applyNow')}</LinkButton>
        <LinkButton to="/app/applications">{t('nav.applications')}</LinkButton>
      </Space>
    </>
  );
}
