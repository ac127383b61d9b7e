import { Button } from 'antd';
import { useI18n } from '../i18n';

export function LangSwitch({ light = false }: { light?: boolean }) {
  const { t, lang, setLang } = useI18n();
  return (
    <Button
      type="text"
      size="small"
      title={t('lang.label')}
      lang={lang === 'en' ? 'zh-CN' : 'en'}
      data-testid="lang-switch"
      style={light ? { color: '#fff' } : undefined}
      onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}
    >
      {t('lang.switch')}
    </Button>
  );
}
