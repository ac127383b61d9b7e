import { App, Button, Drawer, Form, Input, Radio, Typography } from 'antd';
import { useEffect, useState, type ChangeEvent } from 'react';
import { api } from '../../../api';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { showFieldErrors } from '../../../forms';
import { useAction } from '../../../hooks';
import { useI18n } from '../../../i18n';
import type { ModelVersion } from '../../../api-types';

/** The server's rule for model names. */
const NAME_RE = /^[a-z0-9._-]{1,64}$/;

interface ChosenFile {
  fileName: string;
  size: number;
  text: string;
}

type Source = 'file' | 'paste';

interface UploadValues {
  name: string;
  source: Source;
  file?: ChosenFile;
  text?: string;
}

/** The artefact as a JSON object, or null when the text is not one. */
function parseArtefact(text: string | undefined): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} kB`;
}

/** A native file chooser as a form control; the chosen file is read as text at once. */
function ArtefactFileInput({ id, value, onChange }: { id?: string; value?: ChosenFile; onChange?: (file: ChosenFile | undefined) => void }) {
  const { t } = useI18n();
  const [unreadable, setUnreadable] = useState(false);
  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    setUnreadable(false);
    if (!file) return onChange?.(undefined);
    try {
      onChange?.({ fileName: file.name, size: file.size, text: await file.text() });
    } catch {
      setUnreadable(true);
      onChange?.(undefined);
    }
  };
  return (
    <div>
      <input id={id} type="file" accept=".json,application/json" onChange={(event) => void choose(event)} />
      {value && (
        <Typography.Text type="secondary" style={{ display: 'block', marginTop: 4 }}>
          {value.fileName} · {kilobytes(value.size)}
        </Typography.Text>
      )}
      {unreadable && <Typography.Text type="danger">{t('model.fileUnreadable')}</Typography.Text>}
    </div>
  );
}

/** Registers a trained artefact (`kredit model train`) as a new draft version of a model name. */
export function UploadModelDrawer({ onClose, onUploaded }: { onClose: () => void; onUploaded: (model: ModelVersion) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<UploadValues>();
  const source = Form.useWatch('source', form) ?? 'file';
  const upload = useAction((name: string, artefact: Record<string, unknown>) => api.post('/admin/models', { body: { name, artefact } }));

  const artefactRule = {
    validator: (_: unknown, value: ChosenFile | string | undefined) => {
      const text = typeof value === 'string' ? value : value?.text;
      if (!text) return Promise.reject(new Error(t('common.required')));
      return parseArtefact(text) ? Promise.resolve() : Promise.reject(new Error(t('model.artefactInvalid')));
    },
  };

  const submit = async (values: UploadValues) => {
    const artefact = parseArtefact(values.source === 'file' ? values.file?.text : values.text);
    if (!artefact) return;
    const model = await upload.run(values.name.trim(), artefact);
    if (model) {
      message.success(t('model.uploaded', { name: model.name, version: model.version }));
      onUploaded(model);
    }
  };

  // A refusal of the other source is no longer about what is on screen.
  useEffect(() => {
    upload.clearError();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [source]);

  // A refused upload (422 `name` / `artefact`) is also shown on its field.
  useEffect(() => {
    showFieldErrors(form, upload.error, { name: 'name', artefact: source === 'file' ? 'file' : 'text' });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [upload.error]);

  return (
    <Drawer open title={t('model.upload')} size={560} onClose={onClose} destroyOnHidden>
      <Typography.Paragraph type="secondary">{t('model.uploadIntro')}</Typography.Paragraph>
      <ProblemAlert error={upload.error} />
      <Form form={form} name="model-upload" layout="vertical" requiredMark={false} initialValues={{ source: 'file' }} onFinish={submit}>
        <Form.Item
          label={t('model.uploadName')}
          name="name"
          extra={t('model.nameRule')}
          rules={[
            { required: true, whitespace: true, message: t('common.required') },
            { pattern: NAME_RE, message: t('model.nameRule') },
          ]}
        >
          <Input placeholder="german-credit-scorecard" autoComplete="off" />
        </Form.Item>
        <Form.Item label={t('model.source')} name="source">
          <Radio.Group
            optionType="button"
            options={[
              { value: 'file', label: t('model.source.file') },
              { value: 'paste', label: t('model.source.paste') },
            ]}
          />
        </Form.Item>
        {source === 'file' ? (
          <Form.Item label={t('model.artefactFile')} name="file" rules={[artefactRule]}>
            <ArtefactFileInput />
          </Form.Item>
        ) : (
          <Form.Item label={t('model.artefactText')} name="text" rules={[artefactRule]}>
            <Input.TextArea rows={10} spellCheck={false} style={{ fontFamily: 'monospace', fontSize: 12 }} placeholder='{"format": "kredit-model", …}' />
          </Form.Item>
        )}
        <Button type="primary" htmlType="submit" loading={upload.pending}>
          {t('model.uploadSubmit')}
        </Button>
      </Form>
    </Drawer>
  );
}
