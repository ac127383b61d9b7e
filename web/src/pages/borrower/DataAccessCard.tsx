import { Card, List, Tag, Typography } from 'antd';
import { api } from '../../api';
import { Async } from '../../components/Async';
import { dateTime } from '../../format';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';

/** A borrower's view of the record: when staff saw their data unmasked,
 * why and which fields (PIPL's right to know). */
export function DataAccessCard() {
  const { t } = useI18n();
  const state = useApi((signal) => api.get('/me/personal-data-access', { signal }), []);
  return (
    <Card size="small" title={t('pda.mineTitle')}>
      <Typography.Paragraph type="secondary">{t('pda.mineIntro')}</Typography.Paragraph>
      <Async state={state}>
        {(page) => (
          <List
            size="small"
            dataSource={page.items}
            locale={{ emptyText: t('common.none') }}
            renderItem={(view) => (
              <List.Item data-testid="data-view">
                <div>
                  <div>
                    {dateTime(view.at)} · {t(`role.${view.staff_role}`)} · {t(`pda.purpose.${view.purpose}`)}
                  </div>
                  {view.fields.map((field) => (
                    <Tag key={field}>{t(`pda.field.${field}`)}</Tag>
                  ))}
                </div>
              </List.Item>
            )}
          />
        )}
      </Async>
    </Card>
  );
}
