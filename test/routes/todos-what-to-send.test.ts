import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { newUser, type Call, type TodoClient, expectStatus } from '../helpers/todo-client.js';

// Issue 11, item 5: an error says what to send instead.
describe('errors that say what to send', () => {
  let t: TestApp;
  let me: TodoClient;
  let todo: string;
  const BODY_FIELDS = 'The fields are: title, description, completed, due_at, priority, list_id, parent_id, label_ids.';
  const QUERY_PARAMETERS = 'The query parameters are: limit, cursor, completed, q, due_before, due_after, updated_since, priority, list_id, parent_id, label_id, sort.';
  beforeAll(async () => {
    t = await startTestApp();
    me = await newUser(t);
    todo = (await me.created({ title: 'Stays as it is' })).id;
  });
  afterAll(async () => {
    expect((await me.get(todo)).body).toMatchObject({ title: 'Stays as it is', version: 1 });
    await t.close();
  });

  const errorsOf = (res: Call) => {
    expectStatus(res, 422);
    return (res.body as { errors: Array<{ path: string; message: string }> }).errors;
  };

  it.each([
    ['2026-12-24', 'A date alone is not enough: send an RFC 3339 date-time with a time zone offset, such as 2026-12-24T10:00:00Z (UTC) or 2026-12-24T10:00:00+01:00.'],
    ['2026-12-24T10:00:00', 'The time has no offset: send an RFC 3339 date-time with a time zone offset, such as 2026-12-24T10:00:00Z (UTC) or 2026-12-24T10:00:00+01:00.'],
    ['2026-12-24 10:00', 'The time has no offset: send an RFC 3339 date-time with a time zone offset, such as 2026-12-24T10:00:00Z (UTC) or 2026-12-24T10:00:00+01:00.'],
    ['tomorrow', 'Must be an RFC 3339 date-time with a time zone offset, such as 2026-12-24T10:00:00Z (UTC) or 2026-12-24T10:00:00+01:00.'],
    ['2026-02-30T10:00:00Z', 'No such date or time (check the day of the month, the hour and the offset).'],
  ])('due_at %j says an RFC 3339 time with an offset is needed, with an example', async (dueAt, message) => {
    expect(errorsOf(await me.create({ title: 'x', due_at: dueAt }))).toEqual([{ path: 'body.due_at', message }]);
    expect(errorsOf(await me.patch(todo, { due_at: dueAt }))).toEqual([{ path: 'body.due_at', message }]);
  });

  it('a date-time filter in the query says the same', async () => {
    const errors = errorsOf(await me.raw('GET', '/v1/todos?due_before=2026-12-24'));
    expect(errors).toEqual([{ path: 'query.due_before', message: expect.stringContaining('such as 2026-12-24T10:00:00Z') as string }]);
  });

  it('a missing title says it is required', async () => {
    expect(errorsOf(await me.create({ priority: 'high' }))).toEqual([{ path: 'body.title', message: 'Required.' }]);
    // A title of the wrong type is told its type, not that it is missing.
    expect(errorsOf(await me.create({ title: 7 }))).toEqual([{ path: 'body.title', message: expect.stringContaining('expected string') as string }]);
  });

  it.each([
    ['priorty', 'priority'],
    ['titel', 'title'],
    ['dueAt', 'due_at'],
    ['due_date', 'due_at'],
    ['done', 'completed'],
    ['desc', 'description'],
  ])('an unknown field %s suggests %s and lists the fields', async (field, nearest) => {
    const message = `Unknown field; did you mean ${nearest}? ${BODY_FIELDS}`;
    expect(errorsOf(await me.create({ title: 'x', [field]: 'high' }))).toEqual([{ path: `body.${field}`, message }]);
    expect(errorsOf(await me.patch(todo, { [field]: 'high' }))).toEqual([{ path: `body.${field}`, message }]);
  });

  it('an unknown field with no near name lists the fields; a read-only one says so', async () => {
    expect(errorsOf(await me.create({ title: 'x', colour: 'red', version: 2 }))).toEqual([
      { path: 'body.colour', message: `Unknown field. ${BODY_FIELDS}` },
      { path: 'body.version', message: 'This field is read-only.' },
    ]);
  });

  it.each([
    ['search', 'q'],
    ['query', 'q'],
    ['filter', 'q'],
    ['page_size', 'limit'],
    ['per_page', 'limit'],
    ['pageSize', 'limit'],
    ['order', 'sort'],
    ['order_by', 'sort'],
    ['done', 'completed'],
    ['dueBefore', 'due_before'],
    ['priorty', 'priority'],
    ['limt', 'limit'],
  ])('an unknown query parameter %s suggests %s and lists the parameters', async (name, nearest) => {
    expect(errorsOf(await me.raw('GET', `/v1/todos?${name}=milk`))).toEqual([
      { path: `query.${name}`, message: `Unknown query parameter; did you mean ${nearest}? ${QUERY_PARAMETERS}` },
    ]);
  });

  it('an unknown query parameter with no near name lists the parameters', async () => {
    expect(errorsOf(await me.raw('GET', '/v1/todos?x=1'))).toEqual([{ path: 'query.x', message: `Unknown query parameter. ${QUERY_PARAMETERS}` }]);
  });

  it.each([
    ['2', 'If-Match: 2 is not an entity tag: ETags are quoted. Send If-Match: "2", the ETag header exactly as it was received.'],
    [' 1 ', 'If-Match: 1 is not an entity tag: ETags are quoted. Send If-Match: "1", the ETag header exactly as it was received.'],
    ['', expect.stringContaining('ETags are quoted')],
    ['v1', expect.stringContaining('ETags are quoted')],
    ['*, "1"', expect.stringContaining('ETags are quoted')],
    ['"1" "2"', expect.stringContaining('ETags are quoted')],
    ['"1", 2', expect.stringContaining('ETags are quoted')],
  ])('an If-Match of %j is a 400 invalid_if_match saying ETags are quoted, on PATCH and DELETE', async (ifMatch, detail) => {
    for (const res of [await me.patch(todo, { title: 'changed' }, { 'if-match': ifMatch }), await me.remove(todo, { 'if-match': ifMatch })]) {
      expectStatus(res, 400);
      expect(res.body).toMatchObject({ code: 'invalid_if_match', status: 400, detail });
    }
    // Told before the todo is looked up: another user's todo gets the same answer.
    const stranger = await newUser(t);
    expect((await stranger.patch(todo, { title: 'x' }, { 'if-match': ifMatch })).body).toMatchObject({ code: 'invalid_if_match' });
  });

  it('quoted tags, empty list elements and quoted commas are entity tags (412 or 200, not 400)', async () => {
    for (const ifMatch of ['"9"', 'W/"1"', '"a,b"', '"9", , "8"', '""']) {
      expect((await me.patch(todo, { title: 'changed' }, { 'if-match': ifMatch })).status, ifMatch).toBe(412);
    }
    const ok = await me.patch(todo, { title: 'Stays as it is' }, { 'if-match': ' "9" ,"1"' });
    expectStatus(ok, 200);
    expect(ok.body.version).toBe(1);
  });

  it('a refused If-Match stores nothing under its Idempotency-Key', async () => {
    const key = `bad-if-match-${Date.now()}`;
    expect((await me.patch(todo, { title: 'Stays as it is' }, { 'if-match': '1', 'idempotency-key': key })).status).toBe(400);
    const res = await me.patch(todo, { title: 'Stays as it is' }, { 'if-match': '"1"', 'idempotency-key': key });
    expectStatus(res, 200);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
  });

  // Issue 12: the ids a body or filter names, and the move.
  const AN_ID = 'Must be an id (a UUID such as 019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f).';

  it.each([
    ['list_id', 'not-an-id'],
    ['list_id', null],
    ['list_id', { id: '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f' }],
    ['parent_id', 'none'],
    ['parent_id', '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f\u0000'],
    ['parent_id', ['019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f']],
  ])('%s of %j says an id is a UUID, with an example', async (field, value) => {
    expect(errorsOf(await me.create({ title: 'x', [field]: value }))).toEqual([{ path: `body.${field}`, message: AN_ID }]);
    expect(errorsOf(await me.patch(todo, { [field]: value }))).toEqual([{ path: `body.${field}`, message: AN_ID }]);
    expect(errorsOf(await me.move(todo, { [field]: value }))).toEqual([{ path: `body.${field}`, message: AN_ID }]);
  });

  it('label_ids say that they are a list, which element is not an id, that 20 is the most, and that each label goes once (in any case)', async () => {
    const id = '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f';
    expect(errorsOf(await me.create({ title: 'x', label_ids: [id, 'red'] }))).toEqual([{ path: 'body.label_ids.1', message: AN_ID }]);
    // One id where a list of them goes is told that, and only that (not that it is over 20 long).
    expect(errorsOf(await me.create({ title: 'x', label_ids: id }))).toEqual([{ path: 'body.label_ids', message: 'Invalid input: expected array, received string' }]);
    const many = Array.from({ length: 21 }, (_, i) => `019a8f2e-7c41-7b3e-9d5a-${String(i).padStart(12, '0')}`);
    expect(errorsOf(await me.patch(todo, { label_ids: many }))).toEqual([{ path: 'body.label_ids', message: 'At most 20 labels on one todo.' }]);
    expect(errorsOf(await me.patch(todo, { label_ids: [id, id.toUpperCase()] }))).toEqual([{ path: 'body.label_ids', message: 'Each label at most once.' }]);
  });

  it('a move with before_id and after_id says to send one; a neighbour is an id', async () => {
    const id = '019a8f2e-7c41-7b3e-9d5a-2f1c3b4d5e6f';
    expect(errorsOf(await me.move(todo, { before_id: id, after_id: id }))).toEqual([{ path: 'body.after_id', message: 'Send before_id or after_id, not both.' }]);
    expect(errorsOf(await me.move(todo, { before_id: null }))).toEqual([{ path: 'body.before_id', message: AN_ID }]);
  });

  const TWENTY_ONE = Array.from({ length: 21 }, (_, i) => `019a8f2e-7c41-7b3e-9d5a-${String(i).padStart(12, '0')}`).join(',');
  it.each([
    ['parent_id=NONE', 'parent_id=NONE', 'query.parent_id', 'Must be a todo id, or none for top-level todos.'],
    ['parent_id=', 'parent_id=', 'query.parent_id', 'Must be a todo id, or none for top-level todos.'],
    ['list_id=inbox', 'list_id=inbox', 'query.list_id', AN_ID],
    ['label_id=red,blue', 'label_id=red,blue', 'query.label_id', 'Must be one label id or up to 20, separated by commas.'],
    ['label_id with 21 ids', `label_id=${TWENTY_ONE}`, 'query.label_id', 'Must be one label id or up to 20, separated by commas.'],
    ['sort=Position', 'sort=Position', 'query.sort', expect.stringContaining('position, -position') as string],
  ])('the filter %s says what to send', async (_name, query, path, message) => {
    expect(errorsOf(await me.raw('GET', `/v1/todos?${query}`))).toEqual([{ path, message }]);
  });

  it('an id in upper case is the same id, in bodies, filters and paths', async () => {
    const label = await me.raw<{ status: number; headers: Headers; body: { id: string } }>('POST', '/v1/labels', { name: 'Upper' });
    expectStatus(label, 201);
    const parent = await me.created({ title: 'upper parent' });
    const list = parent.list_id;
    const child = await me.created({ title: 'upper child', list_id: list.toUpperCase(), parent_id: parent.id.toUpperCase(), label_ids: [label.body.id.toUpperCase()] });
    expect(child).toMatchObject({ list_id: list, parent_id: parent.id, label_ids: [label.body.id] });
    const sibling = await me.created({ title: 'upper sibling', parent_id: parent.id });
    const filtered = await me.listAll({ list_id: list.toUpperCase(), parent_id: parent.id.toUpperCase(), label_id: label.body.id.toUpperCase(), sort: 'position' });
    expect(filtered.map((x) => x.id)).toEqual([child.id]);
    const moved = await me.move(child.id.toUpperCase(), { after_id: sibling.id.toUpperCase() });
    expectStatus(moved, 200);
    expect((await me.listAll({ parent_id: parent.id, sort: 'position' })).map((x) => x.id)).toEqual([sibling.id, child.id]);
    // The same labels in another case are no change.
    const same = await me.patch(child.id.toUpperCase(), { label_ids: [label.body.id.toUpperCase()], list_id: list.toUpperCase() });
    expectStatus(same, 200);
    expect(same.body.version).toBe(moved.body.version);
    expect((await me.listAll({ list_id: list, parent_id: 'none' })).map((x) => x.id)).toContain(parent.id);
  });
});
