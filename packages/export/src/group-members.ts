/**
 * The patient ids of a Group's active members. Members are `Patient/{id}` references (relative or absolute,
 * optionally versioned); members marked `inactive` are left out, as are non-Patient entities.
 */
export function groupPatientIds(group: { member?: Array<{ entity?: { reference?: string }; inactive?: boolean }> }) {
  const ids: string[] = [];
  for (const member of group.member ?? []) {
    if (member.inactive) continue;
    const match = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(member.entity?.reference ?? '');
    if (match) ids.push(match[1]!);
  }
  return ids;
}
