"""The staff menu and the team screens: who someone is, the /admin menu drawn for a role, the
team with its open invites, and an invite link."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.arguments import StaffGrant
from bot.db.repositories.staff import InviteRow
from bot.domain import Language
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import (
    NO_REGION,
    AdminAction,
    AdminOpen,
    InviteRegion,
    InviteRevoke,
    StaffRemove,
)
from bot.services.content import Library
from bot.services.roles import StaffMember, StaffRole


def role_name(role: StaffRole) -> str:
    names = {
        StaffRole.OWNER: _("owner"),
        StaffRole.MODERATOR: _("moderator"),
        StaffRole.VOLUNTEER: _("volunteer"),
    }
    return names[role]


def describe(role: StaffRole, region: str | None, library: Library, language: Language) -> str:
    region_name = library.region_name(region, language) or _("all regions")
    return _("{role}, {region}").format(role=role_name(role), region=region_name)


def describe_member(member: StaffMember, library: Library, language: Language) -> str:
    return describe(member.role, member.region, library, language)


def admin_menu(member: StaffMember) -> InlineKeyboardMarkup:
    """Only what the role allows is drawn (and each action checks again when pressed)."""
    items = [(_("🗂 Tips queue"), AdminAction.TIPS)]
    if member.moderates:
        items += [
            (_("📊 Statistics"), AdminAction.STATS),
            (_("📣 Broadcasts"), AdminAction.BROADCASTS),
            (_("🗓 Campaigns"), AdminAction.CAMPAIGNS),
        ]
    if member.is_owner:
        items += [
            (_("👥 Team"), AdminAction.TEAM),
            (_("➕ Invite a moderator"), AdminAction.INVITE_MODERATOR),
            (_("➕ Invite a volunteer"), AdminAction.INVITE_VOLUNTEER),
            (_("🧾 Audit trail"), AdminAction.AUDIT),
        ]
    builder = InlineKeyboard()
    for text, action in items:
        builder.button(text=text, callback_data=AdminOpen(action=action))
    builder.adjust(2)
    return builder.as_markup()


def admin_text(member: StaffMember, library: Library, language: Language) -> str:
    lines = [
        _("<b>Staff menu</b>: you are {who}.").format(
            who=describe_member(member, library, language)
        ),
        "",
        _("/tips: the queue of tips"),
    ]
    if member.moderates:
        lines += [
            _("/export: tips as a CSV file"),
            _("/stats: statistics"),
            _("/broadcast, /broadcasts: messages to subscribers"),
            _("/campaigns: scheduled campaign messages"),
        ]
    if member.is_owner:
        lines += [
            _("/addstaff ID moderator|volunteer [REGION]: add someone by user id"),
            _(
                "/invite moderator|volunteer [REGION|all] [USER_ID]: an invite link, "
                "for one account if an id is given"
            ),
            _("/audit [ID]: the audit trail, optionally of one person"),
        ]
    return "\n".join(lines)


def team_screen(
    team: list[StaffMember], invites: list[InviteRow], library: Library, language: Language
) -> tuple[str, InlineKeyboardMarkup]:
    """The team, each with ❌ but the owners, and the open invites, each with 🚫."""
    lines = [_("<b>Team</b>")]
    builder = InlineKeyboard()
    for person in team:
        lines.append(f"{person.user_id}: {describe_member(person, library, language)}")
        if person.role is not StaffRole.OWNER:
            builder.button(
                text=_("❌ Remove {id}").format(id=person.user_id),
                callback_data=StaffRemove(user=person.user_id),
            )
    if invites:
        lines += ["", _("<b>Open invites</b>")]
    for invite in invites:
        who = describe(StaffRole(invite.role), invite.region, library, language)
        bound = ""
        if invite.for_user is not None:
            bound = _(", only for {id}").format(id=invite.for_user)
        lines.append(_("#{id}: {who}{bound}").format(id=invite.id, who=who, bound=bound))
        builder.button(
            text=_("🚫 Revoke invite #{id}").format(id=invite.id),
            callback_data=InviteRevoke(invite=invite.id),
        )
    builder.adjust(2)
    return "\n".join(lines), builder.as_markup()


def invite_regions(role: StaffRole, library: Library, language: Language) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(
        text=_("All regions"), callback_data=InviteRegion(role=role.value, code=NO_REGION)
    )
    for region in library.regions:
        builder.button(
            text=region.name.get(language),
            callback_data=InviteRegion(role=role.value, code=region.code),
        )
    builder.adjust(2)
    return builder.as_markup()


def invite_text(
    bot_username: str | None, token: str, grant: StaffGrant, library: Library, language: Language
) -> str:
    link = f"https://t.me/{bot_username}?start={token}"
    who = describe(grant.role, grant.region, library, language)
    lines = [_("Invite link for a {who}:").format(who=who), f"<code>{link}</code>"]
    if grant.user_id is not None:
        lines.append(_("Only the account {id} can use it.").format(id=grant.user_id))
    lines.append(
        _(
            "It works once and expires in 24 hours. Send it privately to the person; "
            "you can revoke it under 👥 Team."
        )
    )
    return "\n\n".join(lines)


def invite_usage() -> str:
    return _(
        "Use: /invite moderator|volunteer [REGION|all] [USER_ID], for example "
        "/invite volunteer astana 12345"
    )


def add_staff_usage() -> str:
    return _(
        "Use: /addstaff ID moderator|volunteer [REGION], "
        "for example /addstaff 12345 moderator astana"
    )
