import type { Page } from 'playwright-core';

/** What the front terminal tab shows, row by row (xterm.js's DOM rows of the visible view). */
export async function screenText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const view = Array.from(document.querySelectorAll<HTMLElement>('.terminal-view')).find(
      (element) => !element.hidden,
    );
    return Array.from(view?.querySelectorAll('.xterm-rows > div') ?? [], (row) => row.textContent ?? '').join('\n');
  });
}

/** Types a line into the front terminal tab and presses Enter. */
export async function typeLine(page: Page, line: string): Promise<void> {
  await page.locator('.terminal-view:not([hidden]) .xterm-helper-textarea').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}
