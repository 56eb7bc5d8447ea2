"""/admin: the staff menu, drawn for the role; owners build the team with one-time invite
links or by user id, list it and remove people. Roles are checked again on every action."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Language, parse_enum
from bot.filters import InChat, IsOwner, menu
from bot.handlers.ids import TELEGRAM_ID
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import (
    NO_REGION,
    AdminAction,
    AdminOpen,
    InviteRegion,
    InviteRevoke,
    StaffRemove,
)
from bot.screens.common import show
from bot.services.content import Library
from bot.services.roles import (
    INVITE_PREFIX,
    InviteError,
    RoleError,
    RoleService,
    StaffMember,
    StaffRole,
)


def role_name(role: StaffRole) -> str:
    names = {
        StaffRole.OWNER: _("owner"),
        StaffRole.MODERATOR: _("moderator"),
        StaffRole.VOLUNTEER: _("volunteer"),
    }
    return names[role]


def describe_member(member: StaffMember, library: Library, language: Language) -> str:
    region = library.region_name(member.region, language) or _("all regions")
    return _("{role}, {region}").format(role=role_name(member.role), region=region)


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


async def admin_command(
    message: Message, member: StaffMember, library: Library, language: Language
) -> None:
    await message.answer(admin_text(member, library, language), reply_markup=admin_menu(member))


async def show_team(
    target: Message | CallbackQuery,
    roles: RoleService,
    library: Library,
    language: Language,
    alert: str | None = None,
) -> None:
    team = await roles.team()
    lines = [_("<b>Team</b>")]
    builder = InlineKeyboard()
    for person in team:
        lines.append(f"{person.user_id}: {describe_member(person, library, language)}")
        if person.role is not StaffRole.OWNER:
            builder.button(
                text=_("❌ Remove {id}").format(id=person.user_id),
                callback_data=StaffRemove(user=person.user_id),
            )
    owner_id = target.from_user.id if target.from_user else 0
    invites = await roles.open_invites(owner_id)
    if invites:
        lines += ["", _("<b>Open invites</b>")]
    for invite in invites:
        who = describe_member(
            StaffMember(0, StaffRole(invite.role), invite.region), library, language
        )
        bound = (
            _(", only for {id}").format(id=invite.for_user) if invite.for_user is not None else ""
        )
        lines.append(_("#{id}: {who}{bound}").format(id=invite.id, who=who, bound=bound))
        builder.button(
            text=_("🚫 Revoke invite #{id}").format(id=invite.id),
            callback_data=InviteRevoke(invite=invite.id),
        )
    builder.adjust(2)
    await show(target, "\n".join(lines), builder.as_markup(), alert=alert)


def _invite_regions(role: StaffRole, library: Library, language: Language) -> InlineKeyboardMarkup:
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


async def team_button(
    callback: CallbackQuery, roles: RoleService, library: Library, language: Language
) -> None:
    await show_team(callback, roles, library, language)


async def invite_button(
    callback: CallbackQuery, callback_data: AdminOpen, library: Library, language: Language
) -> None:
    role = (
        StaffRole.MODERATOR
        if callback_data.action is AdminAction.INVITE_MODERATOR
        else StaffRole.VOLUNTEER
    )
    text = _("Which region will they work in?")
    await show(callback, text, _invite_regions(role, library, language))


async def not_allowed(callback: CallbackQuery) -> None:
    """A menu button the presser's role does not allow (an old menu, a changed role)."""
    await callback.answer(_("Your role does not allow this."), show_alert=True)


async def make_invite(
    callback: CallbackQuery,
    callback_data: InviteRegion,
    member: StaffMember,
    roles: RoleService,
    library: Library,
    language: Language,
    bot: Bot,
) -> None:
    role = parse_enum(StaffRole, callback_data.role)
    code = None if callback_data.code == NO_REGION else callback_data.code
    if (
        not member.is_owner
        or role is None
        or role is StaffRole.OWNER
        or (code is not None and library.region(code) is None)
    ):
        await callback.answer(_("Your role does not allow this."), show_alert=True)
        return
    token = await roles.create_invite(member.user_id, role, code)
    await show(callback, await invite_text(bot, token, role, code, None, library, language))


async def invite_text(
    bot: Bot,
    token: str,
    role: StaffRole,
    region: str | None,
    for_user: int | None,
    library: Library,
    language: Language,
) -> str:
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={token}"
    who = describe_member(StaffMember(0, role, region), library, language)
    lines = [_("Invite link for a {who}:").format(who=who), f"<code>{link}</code>"]
    if for_user is not None:
        lines.append(_("Only the account {id} can use it.").format(id=for_user))
    lines.append(
        _(
            "It works once and expires in 24 hours. Send it privately to the person; "
            "you can revoke it under 👥 Team."
        )
    )
    return "\n\n".join(lines)


async def invite_command(
    message: Message,
    command: CommandObject,
    member: StaffMember,
    roles: RoleService,
    library: Library,
    language: Language,
    bot: Bot,
) -> None:
    """/invite moderator|volunteer [REGION|all] [USER_ID]: an invite, bound to one account
    if an id is given."""
    words = (command.args or "").split()
    role = parse_enum(StaffRole, words[0]) if words else None
    region = words[1] if len(words) >= 2 and words[1] != "all" else None
    for_user = words[2] if len(words) >= 3 else None
    if (
        not 1 <= len(words) <= 3
        or role is None
        or role is StaffRole.OWNER
        or (region is not None and library.region(region) is None)
        or (for_user is not None and not TELEGRAM_ID.fullmatch(for_user))
    ):
        await message.answer(
            _(
                "Use: /invite moderator|volunteer [REGION|all] [USER_ID], for example "
                "/invite volunteer astana 12345"
            )
        )
        return
    bound = int(for_user) if for_user is not None else None
    try:
        token = await roles.create_invite(member.user_id, role, region, bound)
    except RoleError:
        await message.answer(_("Only owners can add people to the team."))
        return
    await message.answer(await invite_text(bot, token, role, region, bound, library, language))


async def revoke_invite(
    callback: CallbackQuery,
    callback_data: InviteRevoke,
    member: StaffMember,
    roles: RoleService,
    library: Library,
    language: Language,
) -> None:
    try:
        revoked = await roles.revoke_invite(member.user_id, callback_data.invite)
    except RoleError:
        await callback.answer(_("Your role does not allow this."), show_alert=True)
        return
    notice = _("Invite revoked.") if revoked else _("This invite is no longer open.")
    await show_team(callback, roles, library, language, alert=notice)


async def invites_in_private_only(target: Message | CallbackQuery) -> None:
    """An invite shown in a group could be taken by anyone there (DESIGN.md)."""
    text = _("Invites are made and shown only in your private chat with me.")
    if isinstance(target, CallbackQuery):
        await target.answer(text, show_alert=True)
    else:
        await target.answer(text)


async def remove_staff(
    callback: CallbackQuery,
    callback_data: StaffRemove,
    member: StaffMember,
    roles: RoleService,
    library: Library,
    language: Language,
) -> None:
    if not member.is_owner:
        await callback.answer(_("Your role does not allow this."), show_alert=True)
        return
    try:
        removed = await roles.remove(member.user_id, callback_data.user)
    except RoleError:
        removed = False
    notice = _("Removed.") if removed else _("Nothing to remove.")
    await show_team(callback, roles, library, language, alert=notice)


async def add_staff_command(
    message: Message,
    command: CommandObject,
    member: StaffMember,
    roles: RoleService,
    library: Library,
    language: Language,
) -> None:
    usage = _(
        "Use: /addstaff ID moderator|volunteer [REGION], "
        "for example /addstaff 12345 moderator astana"
    )
    if not member.is_owner:
        await message.answer(_("Only owners can add people to the team."))
        return
    words = (command.args or "").split()
    role = parse_enum(StaffRole, words[1]) if len(words) >= 2 else None
    region = words[2] if len(words) >= 3 else None
    if (
        len(words) not in {2, 3}
        or not TELEGRAM_ID.fullmatch(words[0])
        or role is None
        or (region is not None and library.region(region) is None)
    ):
        await message.answer(usage)
        return
    try:
        added = await roles.add(member.user_id, int(words[0]), role, region)
    except RoleError:
        await message.answer(usage)
        return
    await message.answer(
        _("{id} is now: {who}.").format(
            id=added.user_id, who=describe_member(added, library, language)
        )
    )


async def accept_invite(
    message: Message,
    command: CommandObject,
    roles: RoleService,
    library: Library,
    language: Language,
) -> None:
    """Someone opened an invite link (t.me/<bot>?start=inv_...)."""
    try:
        member = await roles.accept_invite(command.args or "", message.chat.id)
    except InviteError:
        await message.answer(
            _("This invite link is not valid: it may have expired or been used already.")
        )
        return
    who = describe_member(member, library, language)
    await message.answer(
        _("Welcome to the team! You are now: {who}. Send /admin to see what you can do.").format(
            who=who
        )
    )


def create_denied_router() -> Router:
    """Last among the staff routers: menu buttons no router above took for this role."""
    router = Router(name=__name__ + ".denied")
    router.callback_query.register(not_allowed, AdminOpen.filter())
    return router


def create_invite_router() -> Router:
    """Invite links arrive as /start with a payload; open to everyone, in private chats."""
    router = Router(name=__name__ + ".invites")
    router.message.register(
        accept_invite, CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX))
    )
    return router


def create_router() -> Router:
    router = Router(name=__name__)
    in_group = InChat(ChatType.GROUP, ChatType.SUPERGROUP)
    inviting = AdminOpen.filter(
        F.action.in_({AdminAction.INVITE_MODERATOR, AdminAction.INVITE_VOLUNTEER, AdminAction.TEAM})
    )
    router.callback_query.register(invites_in_private_only, in_group, inviting)
    router.callback_query.register(invites_in_private_only, in_group, InviteRegion.filter())
    router.callback_query.register(invites_in_private_only, in_group, InviteRevoke.filter())
    router.message.register(invites_in_private_only, in_group, Command("invite"))
    router.message.register(admin_command, Command("admin"))
    router.message.register(add_staff_command, Command("addstaff"))
    router.message.register(invite_command, Command("invite"))
    owner = IsOwner()
    router.callback_query.register(team_button, owner, menu(AdminAction.TEAM))
    router.callback_query.register(
        invite_button, owner, menu(AdminAction.INVITE_MODERATOR, AdminAction.INVITE_VOLUNTEER)
    )
    router.callback_query.register(make_invite, InviteRegion.filter())
    router.callback_query.register(revoke_invite, InviteRevoke.filter())
    router.callback_query.register(remove_staff, StaffRemove.filter())
    return router
