import { Card, Empty, List, Space, Typography } from 'antd';
import { Link } from 'react-router';
import { api } from '../../api';
import { Async } from '../../components/Async';
import { StatusTag } from '../../components/Finance';
import { dateTime, money } from '../../format';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';

export default function Applications() {
  const { t } = useI18n();
  const state = useApi((signal) => api.get('/applications', { signal }), []);
  return (
    <>
      <Typography.Title level={1}>{t('app.list')}</Typography.Title>
      <Card size="small">
        <Async state={state}>
          {(data) =>
            data.items.length === 0 ? (
              <Empty description={t('common.none')} />
            ) : (
              <List
                dataSource={data.items}
                renderItem={(app) => (
                  <List.Item actions={[<Link key="d" to={`/app/applications/${app.id}`}>{t('common.details')}</Link>]}>
                    <Space wrap>
                      #{app.id} {money(app.amount)} {t('contract.months', { n: app.term_months })}
                      <StatusTag prefix="app.status" status={app.status} />
                      <span style={{ color: 'rgba(0,0,0,0.5)' }}>{dateTime(app.created_at)}</span>
                    </Space>
                  </List.Item>
                )}
              />
            )
          }
        </Async>
      </Card>
    </>
  );
}
