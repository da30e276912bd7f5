import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { groupsApi, type Crew, type JoinPolicy, type Membership, type NewInvite } from '../api/groups';
import { queryKeys } from '../api/queryKeys';
import { useAction as useApiAction } from '../api/useAction';
import { useAuth } from '../auth/AuthProvider';
import { ErrorState, InlineError, Loading } from '../components/status';
import { formatDateTime } from '../components/format';
import { CrewActions } from '../components/CrewActions';
import { ReportButton } from '../components/ReportButton';

/** A change to a crew: the crew, its members, requests and invites, and the lists that show
 * it (its member count) are read again. */
const useAction = () => useApiAction([queryKeys.crews.all]);

function Members({ crew }: { crew: Crew }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  const members = useQuery({ queryKey: queryKeys.crews.members(crew.id), queryFn: ({ signal }) => groupsApi.members(crew.id, signal) });
  const { busy, error, run } = useAction();
  const isAdmin = crew.my_role === 'owner' || crew.my_role === 'admin';
  const canRemove = (m: Membership) => m.user.username !== user?.username && (crew.my_role === 'owner' ? m.role !== 'owner' : isAdmin && m.role === 'member');
  return (
    <section className="panel" aria-labelledby="members-heading">
      <h2 id="members-heading">{t('crew.members')}</h2>
      {members.isPending && <Loading />}
      {members.error ? <ErrorState error={members.error} onRetry={() => void members.refetch()} /> : null}
      <ul className="people">
        {members.data?.results.map((m) => (
          <li key={m.id}>
            <span>
              {m.user.display_name || m.user.username} <span className="tag">{t(`crew.roles.${m.role}`)}</span>
            </span>
            <span className="row wrap">
              {crew.my_role === 'owner' && m.role !== 'owner' && (
                <button type="button" className="button-small button-secondary" disabled={busy} onClick={() => run(() => groupsApi.setRole(crew.id, m.user.id, m.role === 'admin' ? 'member' : 'admin'))}>
                  {m.role === 'admin' ? t('crew.makeMember') : t('crew.makeAdmin')} <span className="sr-only">{m.user.username}</span>
                </button>
              )}
              {crew.my_role === 'owner' && m.role !== 'owner' && (
                <button
                  type="button"
                  className="button-small button-secondary"
                  disabled={busy}
                  onClick={() => window.confirm(t('crew.transferConfirm', { name: m.user.username })) && run(() => groupsApi.transferOwnership(crew.id, m.user.id))}
                >
                  {t('crew.transfer')} <span className="sr-only">{m.user.username}</span>
                </button>
              )}
              {canRemove(m) && (
                <button type="button" className="button-small button-danger" disabled={busy} onClick={() => run(() => groupsApi.removeMember(crew.id, m.user.id))}>
                  {t('crew.remove')} <span className="sr-only">{m.user.username}</span>
                </button>
              )}
              {m.user.username !== user?.username && <ReportButton target="user" id={m.user.id} label={t('report.user', { name: m.user.username })} />}
            </span>
          </li>
        ))}
      </ul>
      <InlineError error={error} />
    </section>
  );
}

function JoinRequests({ crew }: { crew: Crew }) {
  const { t } = useTranslation();
  const requests = useQuery({ queryKey: queryKeys.crews.joinRequests(crew.id), queryFn: ({ signal }) => groupsApi.joinRequests(crew.id, signal) });
  const { busy, error, run } = useAction();
  return (
    <section className="panel" aria-labelledby="requests-heading">
      <h2 id="requests-heading">{t('crew.requests')}</h2>
      {requests.isPending && <Loading />}
      {requests.error ? <ErrorState error={requests.error} /> : null}
      {requests.data?.results.length === 0 && <p className="hint">{t('crew.noRequests')}</p>}
      <ul className="people">
        {requests.data?.results.map((r) => (
          <li key={r.id}>
            <span>
              {r.user.display_name || r.user.username}
              {r.message && <q> {r.message}</q>}
            </span>
            <span className="row">
              <button type="button" className="button-small" disabled={busy} onClick={() => run(() => groupsApi.approveRequest(crew.id, r.id))}>
                {t('crew.approve')} <span className="sr-only">{r.user.username}</span>
              </button>
              <button type="button" className="button-small button-secondary" disabled={busy} onClick={() => run(() => groupsApi.rejectRequest(crew.id, r.id))}>
                {t('crew.reject')} <span className="sr-only">{r.user.username}</span>
              </button>
            </span>
          </li>
        ))}
      </ul>
      <InlineError error={error} />
    </section>
  );
}

function Invites({ crew }: { crew: Crew }) {
  const { t } = useTranslation();
  const invites = useQuery({ queryKey: queryKeys.crews.invites(crew.id), queryFn: ({ signal }) => groupsApi.invites(crew.id, signal) });
  const [created, setCreated] = useState<NewInvite | null>(null);
  const [maxUses, setMaxUses] = useState('');
  const [copied, setCopied] = useState(false);
  const { busy, error, run } = useAction();
  const link = created ? `${window.location.origin}/invite/${encodeURIComponent(created.token)}` : '';
  return (
    <section className="panel" aria-labelledby="invites-heading">
      <h2 id="invites-heading">{t('crew.invites')}</h2>
      <form
        className="row wrap"
        onSubmit={(e) => {
          e.preventDefault();
          run(() => groupsApi.createInvite(crew.id, { max_uses: maxUses ? Number(maxUses) : null }).then(setCreated));
        }}
      >
        <div className="field">
          <label htmlFor="invite-uses">{t('crew.inviteUses')}</label>
          <input id="invite-uses" type="number" min={1} max={1000} value={maxUses} onChange={(e) => setMaxUses(e.target.value)} />
        </div>
        <button type="submit" disabled={busy}>
          {t('crew.createInvite')}
        </button>
      </form>
      {created && (
        <div className="notice notice-info">
          <label htmlFor="invite-link">{t('crew.inviteLink')}</label>
          <input id="invite-link" readOnly value={link} onFocus={(e) => e.target.select()} />
          <button
            type="button"
            className="button-small"
            onClick={() => {
              void navigator.clipboard?.writeText(link).then(() => setCopied(true));
            }}
          >
            {copied ? t('crew.copied') : t('crew.copy')}
          </button>
        </div>
      )}
      <ul className="people">
        {invites.data?.results.map((invite) => (
          <li key={invite.id}>
            <span>
              {formatDateTime(invite.created_at)} · {t('crew.inviteUsed', { count: invite.use_count })}
              {invite.max_uses ? ` / ${invite.max_uses}` : ''} · {invite.is_usable ? t('crew.inviteActive') : t('crew.inviteInactive')}
            </span>
            {invite.is_usable && (
              <button type="button" className="button-small button-secondary" disabled={busy} onClick={() => run(() => groupsApi.revokeInvite(crew.id, invite.id))}>
                {t('crew.revoke')}
              </button>
            )}
          </li>
        ))}
      </ul>
      <InlineError error={error} />
    </section>
  );
}

function EditCrew({ crew }: { crew: Crew }) {
  const { t } = useTranslation();
  const [name, setName] = useState(crew.name);
  const [description, setDescription] = useState(crew.description);
  const [maxMembers, setMaxMembers] = useState(crew.max_members);
  const [policy, setPolicy] = useState<JoinPolicy>(crew.join_policy);
  const { busy, error, run } = useAction();
  return (
    <details className="panel">
      <summary>{t('crew.edit')}</summary>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          run(() => groupsApi.update(crew.id, { name, description, max_members: maxMembers, join_policy: policy }));
        }}
      >
        <div className="field">
          <label htmlFor="edit-name">{t('crew.name')}</label>
          <input id="edit-name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="edit-description">{t('crew.description')}</label>
          <textarea id="edit-description" value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
        <div className="row wrap">
          <div className="field">
            <label htmlFor="edit-max">{t('crew.maxMembers')}</label>
            <input id="edit-max" type="number" min={2} max={50} value={maxMembers} onChange={(e) => setMaxMembers(Number(e.target.value))} />
          </div>
          <div className="field">
            <label htmlFor="edit-policy">{t('crew.policy')}</label>
            <select id="edit-policy" value={policy} disabled={crew.visibility === 'private'} onChange={(e) => setPolicy(e.target.value as JoinPolicy)}>
              <option value="open">{t('crew.policies.open')}</option>
              <option value="request">{t('crew.policies.request')}</option>
              <option value="invite">{t('crew.policies.invite')}</option>
            </select>
          </div>
        </div>
        <InlineError error={error} />
        <button type="submit" disabled={busy}>
          {t('common.save')}
        </button>
      </form>
    </details>
  );
}

export default function CrewPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  // My membership of this crew changing (my request approved, or I was removed) reads it
  // again: the socket's frame invalidates it (NotificationsProvider).
  const { data: crew, error, isPending, refetch } = useQuery({ queryKey: queryKeys.crews.detail(id), queryFn: ({ signal }) => groupsApi.get(id, signal) });
  const leave = useAction();
  if (isPending) return <Loading />;
  if (!crew) return <ErrorState error={error} onRetry={() => void refetch()} />;
  const isAdmin = crew.my_role === 'owner' || crew.my_role === 'admin';
  return (
    <div className="crew-page">
      <header className="panel">
        <h1>{crew.name}</h1>
        {crew.removed_at && (
          <p className="notice notice-error" role="alert">
            {t('crew.removedNotice', { reason: crew.removal_reason })}
          </p>
        )}
        <p className="meta">
          <Link to={`/events/${crew.event.id}`}>{crew.event.title}</Link> · {formatDateTime(crew.event.starts_at)}
        </p>
        <p className="meta">
          {t('crew.memberCount', { count: crew.member_count, max: crew.max_members })} · {t(`crew.policies.${crew.join_policy}`)} ·{' '}
          {t(`crew.visibilities.${crew.visibility}`)}
          {crew.my_role && ` · ${t('crew.youAre', { role: t(`crew.roles.${crew.my_role}`) })}`}
        </p>
        {crew.description && <p>{crew.description}</p>}
        <CrewActions crew={crew} />
        <div className="row wrap">
          {crew.my_role && (
            <button
              type="button"
              className="button-secondary"
              disabled={leave.busy}
              onClick={() => window.confirm(t('crew.leaveConfirm')) && leave.run(() => groupsApi.leave(crew.id), () => navigate('/crews'))}
            >
              {t('crew.leave')}
            </button>
          )}
          {!crew.my_role || crew.my_role === 'member' ? <ReportButton target="crew" id={crew.id} /> : null}
        </div>
        <InlineError error={leave.error} />
      </header>
      {crew.my_role && <Members crew={crew} />}
      {isAdmin && crew.join_policy === 'request' && <JoinRequests crew={crew} />}
      {isAdmin && <Invites crew={crew} />}
      {isAdmin && <EditCrew crew={crew} />}
    </div>
  );
}
