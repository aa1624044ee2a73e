/** `debrief restore FILE`: not built yet (issue 16). */
export async function restore(_args: string[]): Promise<void> {
  process.stderr.write('restore is not available yet.\n');
  process.exit(1);
}
