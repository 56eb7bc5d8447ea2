"""/campaigns: the next 30 days of scheduled campaign messages; preview, switch off or on."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.delivery import send_content
from bot.domain import Language
from bot.filters import menu
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import AdminAction, CampaignAct
from bot.screens.common import show
from bot.services.campaigns import CampaignService, UnknownCampaignError, campaign_content
from bot.services.content import Library
from bot.services.roles import PermissionDeniedError, StaffMember

UPCOMING_DAYS = 30


async def campaigns_text(campaigns: CampaignService, language: Language) -> str:
    lines = [_("<b>Campaigns in the next {days} days</b> (Astana time)").format(days=UPCOMING_DAYS)]
    upcoming = campaigns.upcoming(UPCOMING_DAYS)
    for moment, campaign in upcoming:
        state = "" if await campaigns.is_enabled(campaign.id) else " " + _("(off)")
        lines.append(f"{moment:%d.%m %H:%M} — {campaign.title.get(language)}{state}")
    if not upcoming:
        lines.append(_("Nothing is scheduled for this period."))
    return "\n".join(lines)


async def campaigns_keyboard(
    campaigns: CampaignService, language: Language
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for campaign in campaigns.campaigns:
        title = campaign.title.get(language)
        builder.button(
            text=_("👁 {title}").format(title=title),
            callback_data=CampaignAct(campaign=campaign.id, action="preview"),
        )
        enabled = await campaigns.is_enabled(campaign.id)
        builder.button(
            text=_("⏸ Switch off") if enabled else _("▶️ Switch on"),
            callback_data=CampaignAct(
                campaign=campaign.id, action="disable" if enabled else "enable"
            ),
        )
    builder.adjust(2)
    return builder.as_markup()


async def show_campaigns(
    target: Message | CallbackQuery, campaigns: CampaignService, language: Language
) -> None:
    await show(
        target,
        await campaigns_text(campaigns, language),
        await campaigns_keyboard(campaigns, language),
    )


async def campaigns_command(
    target: Message | CallbackQuery, campaigns: CampaignService, language: Language
) -> None:
    """/campaigns, or 🗓 in the /admin menu."""
    await show_campaigns(target, campaigns, language)


async def preview_campaign(
    callback: CallbackQuery, callback_data: CampaignAct, library: Library, i18n: I18n, bot: Bot
) -> None:
    """👁: the campaign's message in both languages, as subscribers will see it."""
    campaign = library.campaign(callback_data.campaign)
    if campaign is None:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await callback.answer()
    for text_language in Language:
        with i18n.use_locale(text_language.value):
            content = campaign_content(campaign)
            await send_content(bot, callback.from_user.id, text_language, content, library)


async def switch_campaign(
    callback: CallbackQuery,
    callback_data: CampaignAct,
    member: StaffMember,
    campaigns: CampaignService,
    language: Language,
) -> None:
    enabled = callback_data.action == "enable"
    try:
        await campaigns.set_enabled(callback_data.campaign, enabled, member)
    except PermissionDeniedError:
        denied = _("Only moderators of every region can switch campaigns.")
        await callback.answer(denied, show_alert=True)
        return
    except UnknownCampaignError:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await show_campaigns(callback, campaigns, language)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(campaigns_command, Command("campaigns"))
    router.callback_query.register(campaigns_command, menu(AdminAction.CAMPAIGNS))
    router.callback_query.register(preview_campaign, CampaignAct.filter(F.action == "preview"))
    router.callback_query.register(
        switch_campaign, CampaignAct.filter(F.action.in_({"enable", "disable"}))
    )
    return router
