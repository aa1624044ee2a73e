import type { Insertable, Kysely } from 'kysely';
import type { BrandImageRow, BrandImageTable, BrandRow, BrandTable, Database } from '../../db/schema.js';

/** The firm's brand (one row, id 1) and the processed images it may refer to. */

type Db = Kysely<Database>;

/** The saved brand, or undefined: the default look. */
export function findBrand(db: Db): Promise<BrandRow | undefined> {
  return db.selectFrom('brand').selectAll().where('id', '=', 1).executeTakeFirst();
}

/** The brand images with these ids (missing ids are simply absent). */
export function findBrandImages(db: Db, ids: (string | null)[]): Promise<BrandImageRow[]> {
  const wanted = ids.filter((id): id is string => id !== null);
  if (!wanted.length) return Promise.resolve([]);
  return db.selectFrom('brand_images').selectAll().where('id', 'in', wanted).execute();
}

/** Record a processed upload; the same image uploaded twice is one row. */
export async function insertBrandImage(db: Db, row: Insertable<BrandImageTable>): Promise<void> {
  await db
    .insertInto('brand_images')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** Save the whole brand (insert or replace row 1). */
export async function saveBrand(db: Db, row: Omit<Insertable<BrandTable>, 'id'>): Promise<void> {
  await db
    .insertInto('brand')
    .values({ id: 1, ...row })
    .onConflict((oc) => oc.column('id').doUpdateSet(row))
    .execute();
}

/** Back to the default look. */
export async function deleteBrand(db: Db): Promise<void> {
  await db.deleteFrom('brand').where('id', '=', 1).execute();
}

/**
 * What a mail or a page needs in one read: the saved brand, its images and the firm's name
 * (undefined before setup).
 */
export async function loadBrand(db: Db): Promise<{ brand: BrandRow | undefined; images: BrandImageRow[]; firmName: string | undefined }> {
  const brand = await findBrand(db);
  const images = brand ? await findBrandImages(db, [brand.logo_light, brand.logo_dark, brand.favicon]) : [];
  const firmName = (await db.selectFrom('firm').select('name').executeTakeFirst())?.name;
  return { brand, images, firmName };
}
