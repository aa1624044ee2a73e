/**
 * Move focus to the page's main heading (made focusable by script, never a Tab stop), unless the
 * page already put it somewhere on purpose (an autofocused field). Headings that render after the
 * page's data are waited for briefly.
 */
export function focusHeading(): void {
  const deadline = Date.now() + 1500;
  const attempt = () => {
    const active = document.activeElement;
    if (active && active !== document.body && active.closest('main') && !active.matches('main')) return;
    const h1 = document.querySelector<HTMLElement>('main h1');
    if (!h1) return void (Date.now() < deadline && setTimeout(attempt, 50));
    h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: false });
  };
  attempt();
}
