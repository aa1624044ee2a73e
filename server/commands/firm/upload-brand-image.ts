import { readFile } from 'node:fs/promises';
import type { AppDeps, CommandContext } from '../../context.js';
import type { BrandImageDTO } from '../../contracts/brand.js';
import { writeAudit } from '../../audit.js';
import { authorize } from '../../policies/index.js';
import { processBrandImage } from '../../services/images.js';
import { storeContentAddressed } from '../../services/storage.js';
import { discardUpload, type ReceivedUpload } from '../../services/uploads.js';
import { insertBrandImage } from '../../repositories/brand.js';
import { presentBrandImage } from '../../presenters/brand.js';

/** Whether the viewer may change the brand: checked before a byte of an upload is read. */
export function checkBrandUpload(ctx: CommandContext): void {
  authorize(ctx.viewer.user, 'firm.manage');
}

/**
 * Process an uploaded logo or favicon (admins): re-encoded to two PNGs without metadata, stored by
 * content hash, recorded. The brand does not change: the image applies when a brand naming it is
 * saved, so clients see nothing before Save. A refused file leaves nothing behind.
 */
export async function uploadBrandImage(deps: AppDeps, ctx: CommandContext, upload: ReceivedUpload, kind: 'logo' | 'favicon'): Promise<BrandImageDTO> {
  checkBrandUpload(ctx);
  let bytes: Buffer;
  try {
    bytes = await readFile(upload.temp);
  } finally {
    await discardUpload(upload);
  }
  const image = await processBrandImage(bytes, kind);
  // Content-addressed files are never deleted here: the same bytes may belong to a saved brand.
  const one = await storeContentAddressed(deps.config.uploadsDir, image.x1);
  const two = await storeContentAddressed(deps.config.uploadsDir, image.x2);
  const now = deps.clock();
  const row = { id: one.sha256, kind, file_1x: one.name, file_2x: two.name, width: image.width, height: image.height, created_at: now };
  await deps.db.transaction().execute(async (trx) => {
    await insertBrandImage(trx, row);
    await writeAudit(
      trx,
      ctx.audit,
      { action: 'firm.brand_image_uploaded', outcome: 'success', targetType: 'brand_image', targetId: row.id, details: { kind } },
      now,
    );
  });
  return presentBrandImage(row);
}
