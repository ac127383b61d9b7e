import { Alert, App, Button, Card, Table, Tag, Typography } from 'antd';
import { api, ApiError } from '../../api';
import { Async } from '../../components/Async';
import { ProblemAlert } from '../../components/ProblemAlert';
import { dateTime } from '../../format';
import { useAction, useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { Model } from '../../types';

/** The model registry comes from another branch: a 404 means "not on this server yet", not an error. */
async function loadModels(signal: AbortSignal): Promise<Model[] | null> {
  try {
    const data = await api.get<Model[] | { items: Model[] }>('/admin/models', signal);
    return Array.isArray(data) ? data : data.items;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}

export default function Models() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const state = useApi(loadModels, []);
  const activate = useAction(async (id: Model['id']) => {
    await api.post(`/admin/models/${id}/activate`, {});
    return true;
  });
  const onActivate = async (id: Model['id']) => {
    if (await activate.run(id)) {
      message.success(t('model.activated'));
      state.reload();
    }
  };
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        {t('model.title')}
      </Typography.Title>
      <ProblemAlert error={activate.error} />
      <Async state={state}>
        {(models) =>
          models === null ? (
            <Alert type="info" showIcon title={t('error.unavailable')} description={t('model.unavailable')} data-testid="models-unavailable" />
          ) : (
            <Card size="small">
              <Table<Model>
                size="small"
                rowKey={(m) => String(m.id)}
                scroll={{ x: true }}
                dataSource={models}
                locale={{ emptyText: t('common.none') }}
                columns={[
                  { title: t('common.id'), dataIndex: 'id' },
                  { title: t('model.name'), render: (_, m) => String(m.name ?? m.key ?? '—') },
                  { title: t('model.version'), render: (_, m) => String(m.version ?? '—') },
                  { title: t('common.status'), render: (_, m) => <Tag color={m.status === 'active' || m.active === true ? 'green' : undefined}>{String(m.status ?? (m.active ? 'active' : '—'))}</Tag> },
                  { title: t('audit.at'), render: (_, m) => dateTime(typeof m.created_at === 'string' ? m.created_at : null) },
                  {
                    title: t('common.actions'),
                    render: (_, m) =>
                      m.status === 'active' || m.active === true ? null : (
                        <Button size="small" loading={activate.pending} onClick={() => void onActivate(m.id)}>
                          {t('model.activate')}
                        </Button>
                      ),
                  },
                ]}
              />
            </Card>
          )
        }
      </Async>
    </>
  );
}
