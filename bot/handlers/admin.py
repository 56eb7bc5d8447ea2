"""/admin: the staff menu, drawn for the role; owners build the team with one-time invite
links or by user id, list it and remove people. Owner-only handlers are declared with
IsOwner; RoleService checks again on every change."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.arguments import StaffGrant, parse_add_staff, parse_invite
from bot.domain import Language, parse_enum
from bot.filters import InChat, IsOwner, menu
from bot.keyboards.callbacks import (
    NO_REGION,
    AdminAction,
    AdminOpen,
    InviteRegion,
    InviteRevoke,
    StaffRemove,
)
from bot.screens.common import show
from bot.screens.staff import (
    add_staff_usage,
    admin_menu,
    admin_text,
    describe_member,
    invite_regions,
    invite_text,
    invite_usage,
    team_screen,
)
from bot.services.content import Library
from bot.services.roles import (
    INVITE_PREFIX,
    InviteError,
    RoleError,
    RoleService,
    StaffMember,
    StaffRole,
)


async def admin_command(
    message: Message, member: StaffMember, library: Library, language: Language
) -> None:
    await message.answer(admin_text(member, library, language), reply_markup=admin_menu(member))


async def show_team(
    target: Message | CallbackQuery,
    member: StaffMember,
    roles: RoleService,
    library: Library,
    language: Language,
    alert: str | None = None,
) -> None:
    """👥 Team: the team and the open invites (an owner's screen)."""
    team, invites = await roles.team(), await roles.open_invites(member.user_id)
    text, markup = team_screen(team, invites, library, language)
    await show(target, text, markup, alert=alert)


async def invite_button(
    callback: CallbackQuery, callback_data: AdminOpen, library: Library, language: Language
) -> None:
    moderator = callback_data.action is AdminAction.INVITE_MODERATOR
    role = StaffRole.MODERATOR if moderator else StaffRole.VOLUNTEER
    text = _("Which region will they work in?")
    await show(callback, text, invite_regions(role, library, language))


async def not_allowed(callback: CallbackQuery) -> None:
    """A button the presser's role does not allow (an old menu, a changed role)."""
    await callback.answer(_("Your role does not allow this."), show_alert=True)


async def owners_only(message: Message) -> None:
    await message.answer(_("Only owners can add people to the team."))


async def make_invite(
    callback: CallbackQuery,
    callback_data: InviteRegion,
    member: StaffMember,
    roles: RoleService,
    library: Library,
    language: Language,
    bot: Bot,
) -> None:
    """A region chosen under ➕ Invite: the invite link for that role and region."""
    role = parse_enum(StaffRole, callback_data.role)
    code = None if callback_data.code == NO_REGION else callback_data.code
    if role in {None, StaffRole.OWNER} or (code is not None and library.region(code) is None):
        await not_allowed(callback)  # a forged button: owners are set in ADMIN_IDS
        return
    token = await roles.create_invite(member.user_id, role, code)
    me = await bot.me()
    grant = StaffGrant(role, code)
    await show(callback, invite_text(me.username, token, grant, library, language))


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
    grant = parse_invite(command.args, lambda code: library.region(code) is not None)
    if grant is None:
        await message.answer(invite_usage())
        return
    token = await roles.create_invite(member.user_id, grant.role, grant.region, grant.user_id)
    me = await bot.me()
    await message.answer(invite_text(me.username, token, grant, library, language))


async def revoke_invite(
    callback: CallbackQuery,
    callback_data: InviteRevoke,
    member: StaffMember,
    roles: RoleService,
    library: Library,
    language: Language,
) -> None:
    revoked = await roles.revoke_invite(member.user_id, callback_data.invite)
    notice = _("Invite revoked.") if revoked else _("This invite is no longer open.")
    await show_team(callback, member, roles, library, language, alert=notice)


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
    try:
        removed = await roles.remove(member.user_id, callback_data.user)
    except RoleError:  # an owner: set in ADMIN_IDS, not removable here
        removed = False
    notice = _("Removed.") if removed else _("Nothing to remove.")
    await show_team(callback, member, roles, library, language, alert=notice)


async def add_staff_command(
    message: Message,
    command: CommandObject,
    member: StaffMember,
    roles: RoleService,
    library: Library,
    language: Language,
) -> None:
    """/addstaff ID moderator|volunteer [REGION]."""
    grant = parse_add_staff(command.args, lambda code: library.region(code) is not None)
    if grant is None or grant.user_id is None:
        await message.answer(add_staff_usage())
        return
    try:
        added = await roles.add(member.user_id, grant.user_id, grant.role, grant.region)
    except RoleError:  # an owner's id: owners are set in ADMIN_IDS
        await message.answer(add_staff_usage())
        return
    who = describe_member(added, library, language)
    await message.answer(_("{id} is now: {who}.").format(id=added.user_id, who=who))


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
    welcome = _("Welcome to the team! You are now: {who}. Send /admin to see what you can do.")
    await message.answer(welcome.format(who=describe_member(member, library, language)))


def create_denied_router() -> Router:
    """Last among the staff routers: owners' buttons and commands no router above took for
    this role."""
    router = Router(name=__name__ + ".denied")
    for callback in (AdminOpen, InviteRegion, InviteRevoke, StaffRemove):
        router.callback_query.register(not_allowed, callback.filter())
    router.message.register(owners_only, Command("invite", "addstaff"))
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
    owner = IsOwner()
    router.message.register(add_staff_command, owner, Command("addstaff"))
    router.message.register(invite_command, owner, Command("invite"))
    router.callback_query.register(show_team, owner, menu(AdminAction.TEAM))
    router.callback_query.register(
        invite_button, owner, menu(AdminAction.INVITE_MODERATOR, AdminAction.INVITE_VOLUNTEER)
    )
    router.callback_query.register(make_invite, owner, InviteRegion.filter())
    router.callback_query.register(revoke_invite, owner, InviteRevoke.filter())
    router.callback_query.register(remove_staff, owner, StaffRemove.filter())
    return router
