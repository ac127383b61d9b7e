import { App, Card, List, Switch, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api } from '../../../api';
import { Async } from '../../../components/Async';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { dateTime } from '../../../format';
import { useApi } from '../../../hooks';
import { useI18n } from '../../../i18n';
import type { Consent } from '../../../api-types';

/** Each consent's text in force and a switch to give or withdraw it; the
 * required one is shown as such and cannot be switched off here. */
export function ConsentsCard({ onChanged }: { onChanged: () => void }) {
  const { t, pick } = useI18n();
  const { message } = App.useApp();
  const state = useApi((signal) => api.get('/me/consents', { signal }), []);
  const [changing, setChanging] = useState<Consent['kind'] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const change = async (consent: Consent, given: boolean) => {
    setChanging(consent.kind);
    setError(null);
    try {
      const changed = await api.put('/me/consents/{kind}', { path: { kind: consent.kind }, body: { given, version: consent.current_version } });
      if (state.data) state.setData({ ...state.data, consents: state.data.consents.map((c) => (c.kind === changed.kind ? changed : c)) });
      const kind = t(`consent.kind.${changed.kind}`);
      message.success(t(changed.given ? 'privacy.consentGiven' : 'privacy.consentWithdrawn', { kind }));
      onChanged();
    } catch (reason) {
      setError(reason);
    } finally {
      setChanging(null);
    }
  };

  return (
    <Card size="small" title={t('privacy.consents')} data-testid="consents">
      <ProblemAlert error={error} />
      <Async state={state}>
        {(overview) => (
          <List
            size="small"
            dataSource={overview.consents}
            renderItem={(consent) => {
              const label = t(`consent.kind.${consent.kind}`);
              return (
                <List.Item data-testid={`consent-${consent.kind}`} style={{ display: 'block', paddingInline: 0 }}>
                  <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 12 }}>
                    <strong>{label}</strong>
                    {consent.required ? (
                      <Tag color="blue" style={{ marginInlineEnd: 0 }}>
                        {t('privacy.required')}
                      </Tag>
                    ) : (
                      <Switch
                        checked={consent.given}
                        loading={changing === consent.kind}
                        disabled={changing !== null}
                        checkedChildren={t('privacy.given')}
                        unCheckedChildren={t('privacy.notGiven')}
                        aria-label={label}
                        onChange={(checked) => void change(consent, checked)}
                      />
                    )}
                  </div>
                  <Typography.Paragraph style={{ margin: '6px 0 4px' }}>{pick(consent.text_zh, consent.text_en)}</Typography.Paragraph>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {consent.at
                      ? t(consent.given ? 'privacy.consentAt' : 'privacy.consentWithdrawnAt', { version: consent.version ?? consent.current_version, at: dateTime(consent.at) })
                      : t('privacy.consentNever', { version: consent.current_version })}
                  </Typography.Text>
                  {consent.required && (
                    <Typography.Paragraph type="secondary" style={{ fontSize: 12, margin: '4px 0 0' }}>
                      {t('privacy.requiredNote')}
                    </Typography.Paragraph>
                  )}
                </List.Item>
              );
            }}
          />
        )}
      </Async>
    </Card>
  );
}
