import { Card, Typography } from 'antd';
import type { ReactNode } from 'react';
import { LangSwitch } from '../components/LangSwitch';
import { useI18n } from '../i18n';

/** The frame of the signed-out pages: mobile-first, one centred card. */
export function AuthShell({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div style={{ minHeight: '100vh', background: 'linear-gradient(180deg,#1677ff 0,#69b1ff 220px,#f5f7fa 220px)', padding: '16px 12px' }}>
      <header style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', maxWidth: 440, margin: '0 auto', color: '#fff' }}>
        <strong style={{ fontSize: 20 }}>{t('app.name')}</strong>
        <LangSwitch light />
      </header>
      <p style={{ color: '#fff', maxWidth: 440, margin: '8px auto 20px', opacity: 0.9 }}>{t('app.tagline')}</p>
      <main style={{ maxWidth: 440, margin: '0 auto' }}>
        <Card>
          <Typography.Title level={1} style={{ fontSize: 22, marginTop: 0 }}>
            {title}
          </Typography.Title>
          {children}
        </Card>
      </main>
    </div>
  );
}
