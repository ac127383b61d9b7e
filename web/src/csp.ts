// The server's Content-Security-Policy admits only `<style>` elements that
// carry this response's nonce (crates/kredit-server/src/web.rs puts it in a
// `<meta name="csp-nonce">`). antd sets it on the styles it generates when
// given it (`ConfigProvider csp`); a few of its helpers (the table's
// scrollbar measurement) create a `<style>` without asking, so every
// `<style>` our scripts create gets the nonce here. Scripts run only from
// our origin (`script-src 'self'`), so this trusts nothing new, while a
// `<style>` injected as markup still has no nonce and is still blocked.
// Imported first by main.tsx, before any component renders. Absent under
// `vite dev`, which sends no policy.
export const cspNonce: string | undefined =
  document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content || undefined;

if (cspNonce) {
  const createElement = document.createElement.bind(document) as (tagName: string, options?: ElementCreationOptions) => HTMLElement;
  document.createElement = ((tagName: string, options?: ElementCreationOptions) => {
    const element = createElement(tagName, options);
    if (tagName.toLowerCase() === 'style') element.nonce = cspNonce;
    return element;
  }) as typeof document.createElement;
}
