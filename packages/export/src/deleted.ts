/**
 * A line of a `deleted` output file: the IG asks for a transaction Bundle whose entries say `DELETE Type/id`.
 * One resource per Bundle keeps lines independent, so a file can roll over (or resume) at any line.
 */
export function deletedBundleLine(type: string, id: string, deletedAt: Date): string {
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { request: { method: 'DELETE', url: `${type}/${id}` }, response: { lastModified: deletedAt.toISOString() } },
    ],
  };
  return JSON.stringify(bundle) + '\n';
}
