import { Button, Grid, Layout, Menu, Space, Tag } from 'antd';
import { Link, Outlet, useLocation } from 'react-router';
import { ADMINS, AUDIT_READERS, COB_READERS, useAuth } from '../../auth';
import { LangSwitch } from '../../components/LangSwitch';
import { useI18n } from '../../i18n';
import type { Key } from '../../messages';
import type { Role } from '../../api-types';

const STAFF_MENU: { path: string; label: Key; roles: Role[] }[] = [
  { path: '/staff/underwriting', label: 'nav.underwriting', roles: ['underwriter', 'admin', 'risk_officer', 'auditor'] },
  { path: '/staff/servicing', label: 'nav.servicing', roles: ['underwriter', 'admin', 'risk_officer', 'auditor'] },
  { path: '/staff/feedback', label: 'nav.customerFeedback', roles: ['underwriter', 'admin', 'risk_officer', 'auditor'] },
  { path: '/staff/reversals', label: 'nav.reversals', roles: ['underwriter', 'admin'] },
  { path: '/staff/held-disbursements', label: 'nav.held', roles: ['underwriter', 'admin', 'risk_officer', 'auditor'] },
  { path: '/staff/products', label: 'nav.products', roles: ['admin', 'risk_officer'] },
  { path: '/staff/models', label: 'nav.models', roles: ['admin', 'risk_officer', 'auditor'] },
  { path: '/staff/portfolio', label: 'nav.portfolio', roles: ['admin', 'risk_officer', 'auditor'] },
  { path: '/staff/transparency-log', label: 'nav.tlog', roles: ['underwriter', 'admin', 'risk_officer', 'auditor'] },
  { path: '/staff/audit', label: 'nav.audit', roles: AUDIT_READERS },
  { path: '/staff/personal-data-access', label: 'nav.personalDataAccess', roles: AUDIT_READERS },
  { path: '/staff/data-rights', label: 'nav.dataRights', roles: AUDIT_READERS },
  { path: '/staff/close-of-business', label: 'nav.cob', roles: COB_READERS },
  { path: '/staff/webhooks', label: 'nav.webhooks', roles: ADMINS },
  { path: '/staff/profile', label: 'nav.me', roles: ['underwriter', 'admin', 'risk_officer', 'auditor'] },
];

export default function StaffLayout() {
  const { t } = useI18n();
  const { me, logout } = useAuth();
  const location = useLocation();
  // Below lg the menu collapses to a trigger, which sits in the header's left corner.
  const screens = Grid.useBreakpoint();
  const narrow = !screens.lg;
  const items = STAFF_MENU.filter((item) => me && item.roles.includes(me.role));
  const selected = items.find((item) => location.pathname.startsWith(item.path))?.path;
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={0} theme="light" width={200} style={{ borderInlineEnd: '1px solid #f0f0f0' }} zeroWidthTriggerStyle={{ top: 12 }}>
        <div style={{ padding: '16px 20px', fontWeight: 700, fontSize: 16 }}>{t('nav.staff')}</div>
        <nav aria-label={t('nav.menu')}>
          <Menu
            mode="inline"
            selectedKeys={selected ? [selected] : []}
            items={items.map((item) => ({ key: item.path, label: <Link to={item.path}>{t(item.label)}</Link> }))}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: '#fff', padding: narrow ? '0 12px 0 56px' : '0 16px', display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 8, borderBottom: '1px solid #f0f0f0' }}>
          <strong style={{ whiteSpace: 'nowrap' }}>{t('app.name')}</strong>
          <Space size={screens.sm ? 8 : 4}>
            {me && (
              <Tag color="blue" style={{ marginInlineEnd: 0 }}>
                {t(`role.${me.role}`)}
                {screens.sm && <> · {me.phone}</>}
              </Tag>
            )}
            <LangSwitch />
            <Button size="small" onClick={() => void logout()}>
              {t('common.logout')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 16, maxWidth: 1280, width: '100%' }}>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
