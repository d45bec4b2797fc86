"""How a scam is written down: stages, playbooks, and the genuine warnings that mimic them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """One step of a script: who says what on which channel, and what the target does next."""

    channel: str  # call | sms | chat
    texts: tuple[str, ...] = ()
    replies: tuple[str, ...] = ()
    action: str | None = None  # visit | install | pay
    delay_min: tuple[int, int] = (5, 60)  # minutes after the previous stage
    call_s: tuple[int, int] = (0, 0)  # duration of a call stage
    platform: int = 0  # index into the playbook's platforms, for chats


@dataclass(frozen=True)
class Playbook:
    """How one scam type is run."""

    code: str
    platforms: tuple[str, ...]
    uses_url: bool
    uses_app: bool
    payments: tuple[int, int]  # fewest and most payments by one victim
    loss_median_yuan: float
    stages: tuple[Stage, ...]
    broadcast: tuple[str, ...] = ()
    brands: tuple[str, ...] = ("平台",)
    site_words: tuple[str, ...] = ("pay",)
    site_title: str = "安全中心"
    app_name: str = "助手"


_PAY_MORE = "操作超时导致资金被冻结，需要再转入{amount}元解冻，解冻后本金一并退还。"


def chat(
    *texts: str,
    replies: tuple[str, ...] = (),
    action: str | None = None,
    delay: tuple[int, int] = (5, 60),
    platform: int = 0,
) -> Stage:
    """A chat stage: the scammer writes one of `texts`; the target may reply."""
    return Stage("chat", texts, replies, action, delay, platform=platform)


def sms(*texts: str, action: str | None = None, delay: tuple[int, int] = (5, 60)) -> Stage:
    """An SMS stage."""
    return Stage("sms", texts, (), action, delay)


def call(seconds: tuple[int, int], delay: tuple[int, int] = (0, 0)) -> Stage:
    """A phone call stage (its content is not recorded, only its length)."""
    return Stage("call", (), (), None, delay, call_s=seconds)


REPEAT_PAY = Stage("chat", (_PAY_MORE,), (), "pay", (30, 600))

# Genuine anti-fraud messages (hard negatives): they use the scammers' vocabulary on purpose.
BANK_WARNINGS: tuple[str, ...] = (
    "【{bank}】温馨提示：公检法机关不会通过电话办案，更没有“安全账户”，请勿向陌生账户转账。",
    "【{bank}】近期刷单返利、虚假投资理财诈骗高发，凡是要求先垫付、先充值的都是诈骗，谨防上当。",
    "【{bank}】您尾号{tail}的账户今日向陌生账户转账，如非本人操作或疑似被骗，请立即致电客服。",
)
POLICE_WARNINGS: tuple[str, ...] = (
    "【国家反诈中心】您刚接听的号码疑似诈骗电话，任何要求您转账、下载会议APP、开启屏幕共享的都是诈骗！",
    "【湖南省反诈中心】警方提示：刷单返利、网络贷款、冒充客服退款都是诈骗，如有疑问请拨打96110。",
    "【工信部反诈中心】您近期接到境外来电，请提高警惕，不要向任何人透露验证码，不要转账。",
)
# More genuine warnings: 96110 / 12381 and the anti-fraud centres describe the scripts they warn about.
POLICE_WARNINGS += (
    "【96110】您好，这里是反诈预警专线。您可能正在遭遇刷单返利诈骗，请立即停止转账，不要相信“垫付返佣”。",
    "【12381】涉诈预警：您接听的来电疑似冒充客服诈骗，官方退款不需要您提供验证码或开通借款，请勿操作。",
    "【国家反诈中心】提醒您：自称公安局、检察院要求把钱转入“安全账户”配合调查的，都是诈骗，请拨打110核实。",
    "【反诈中心】征信无法通过个人“修复”或“注销账户”改变，要求您贷款转账消除记录的都是诈骗。",
    "【市公安局反诈中心】网络交友对象推荐投资平台、带您赚钱的，都是杀猪盘诈骗，请勿下载陌生APP。",
    "【湖南反诈】游戏账号、装备交易请走官方平台，要求加微信私下交易或交保证金解冻的都是诈骗。",
    "【公安提示】领导、熟人在微信上让您转账，一定要电话或当面核实，谨防冒充领导熟人诈骗。",
    "【反诈宣传】贷款前收取手续费、保证金、解冻费的都是诈骗，正规贷款放款前不收取任何费用。",
)
BANK_WARNINGS += (
    "【{bank}】风险提示：任何自称客服要求您开通借款额度、转账“消除记录”的都是诈骗，本行不会如此操作。",
    "【{bank}】您尾号{tail}的卡片刚向个人账户转出大额资金，如对方以刷单、投资、退款为由要求转账，请立即停止。",
)

# More broadcast SMS per scam type, phrased as in police releases' descriptions of each script.
EXTRA_BROADCAST: dict[str, tuple[str, ...]] = {
    "order_brushing": (
        "招募线上任务员，给{brand}店铺点赞关注，一单一结，垫付后返本金加佣金，加群领任务：{url}",
        "日赚300+，手机就能做，新人首单立返，名额有限速来{url}",
    ),
    "fake_investment": (
        "内部消息：明日必涨牛股，{brand}导师带单，收益翻倍，进群免费领取：{url}",
        "数字货币稳赚不赔，专业团队操盘，日收益5%，注册送体验金{url}",
    ),
    "fake_shopping": (
        "低价出售{brand}代购正品，原价3999现1299，先付定金后发货，联系{url}",
        "演唱会门票内部渠道，先付款锁票，手慢无：{url}",
    ),
    "fake_customer_service": (
        "【{brand}】您购买的商品因质量问题被召回，我司将双倍赔付，请添加售后办理退款：{url}",
        "【{brand}客服】您开通了会员自动扣费，每月扣800元，如需关闭请联系{url}，逾期将影响征信",
        "您的快递在运输途中丢失，快递公司将赔付您三倍运费，请点击办理理赔{url}",
    ),
    "fake_loan": (
        "无抵押无担保，凭身份证秒批5-50万，低息可分期，当天放款，申请：{url}",
        "【{brand}】您有一笔20万元的贷款额度待领取，需先缴纳保证金验证还款能力，详情{url}",
    ),
    "fake_credit": (
        "【征信中心】您的个人信用存在不良记录，将影响子女上学及贷款，请尽快联系处理：{url}",
        "您名下的学生贷账户未注销，会影响个人征信，请配合注销：{url}",
    ),
    "fake_acquaintance": (
        "我是你们领导，换了新号，明天到我办公室来一趟，先加我微信",
        "老同学，我在外地出了点事急需用钱，先转我两万，明天就还你",
    ),
    "fake_police": (
        "【公安局】你涉嫌一起跨境洗钱案，请立即联系办案民警配合调查，否则将被逮捕：{url}",
        "【检察院】你名下的银行卡涉嫌非法交易，已被冻结，请登录{url}查看案件详情并保密",
        "这里是市公安局刑侦支队，你的身份证被冒用开户，需将资金转入安全账户核查",
    ),
    "romance": (
        "hi，我在交友软件上看到你，觉得很投缘，可以加个微信慢慢聊吗？",
        "亲爱的，我发现一个平台的漏洞可以稳赚，我们一起投一点好不好：{url}",
    ),
    "game_trading": (
        "低价出售{brand}满级账号和稀有装备，先付款后换绑，交易平台：{url}",
        "高价回收{brand}游戏装备，账号冻结需交解冻金，详询{url}",
    ),
}

# Phrase slots per scam type, composed hook + ask by the grammar (phrasing.compose): the lures and the
# requests that police releases describe for each script, in other words than the staged sentences.
PHRASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "order_brushing": (
        ("动动手指就能赚钱", "点赞关注一单一结", "新人首单立返佣金", "做任务日入三五百", "居家兼职不限时间"),
        (
            "先垫付小额本金，完成后连本带佣金返还",
            "需要连续做完三单才能提现",
            "请下载任务APP领取任务",
            "进任务群听接待员安排",
            "截图发给我登记佣金",
        ),
    ),
    "fake_investment": (
        (
            "导师带单收益稳定",
            "内幕消息明天涨停",
            "平台有漏洞稳赚不赔",
            "机构专属通道打新股",
            "数字货币日收益百分之五",
        ),
        (
            "先充值到平台账户才能跟单",
            "提现需先缴纳个人所得税和保证金",
            "下载专属APP注册开户",
            "加大投入才能拿到更高收益",
            "错过这波行情就没机会了",
        ),
    ),
    "fake_shopping": (
        ("内部渠道低价出售", "原价三千现价九百九", "代购正品包邮", "演唱会门票还有余票", "清仓甩卖仅限今天"),
        ("先付全款再发货", "付定金锁单", "订单被冻结需要补缴保证金", "私下转账可以再便宜", "扫这个码付款"),
    ),
    "fake_customer_service": (
        (
            "您购买的商品存在质量问题",
            "您的快递在运输中丢失",
            "您误开通了百万保障服务",
            "您的会员即将自动扣费",
            "您的店铺保证金不足",
        ),
        (
            "我们将为您办理双倍赔偿",
            "请下载会议软件开启屏幕共享",
            "需要您在借款平台验证流水",
            "请提供银行卡号和验证码",
            "关闭服务需要按我说的操作",
        ),
    ),
    "fake_loan": (
        ("无抵押低利息当天放款", "凭身份证就能借五万", "您的额度已审批通过", "内部渠道黑户也能下款"),
        (
            "放款前需要缴纳工本费",
            "银行卡号填错了资金被冻结需要解冻金",
            "需要刷流水证明还款能力",
            "先交一个月利息才能放款",
        ),
    ),
    "fake_credit": (
        ("您的征信存在逾期记录", "您之前开通的校园贷未注销", "监管要求清理学生贷款账户", "您的信用分过低"),
        (
            "不处理会影响征信和子女上学",
            "需要把借款转到指定账户清空额度",
            "请配合注销账户",
            "我们可以帮您消除不良记录",
        ),
    ),
    "fake_acquaintance": (
        (
            "我是你领导，这是我新号",
            "我是你表哥，换手机号了",
            "老同学，好久不见",
            "我是张总，在开会不方便接电话",
        ),
        (
            "帮我给一个朋友转点钱，我不方便出面",
            "明天就还你，先转两万救急",
            "先别告诉别人",
            "把钱打到这个卡上",
        ),
    ),
    "fake_police": (
        (
            "你的身份证被冒用涉嫌洗钱",
            "你涉及一起非法集资案",
            "你的银行卡涉嫌诈骗犯罪",
            "你有一张法院传票未处理",
        ),
        (
            "把资金转入安全账户接受审查",
            "下载警方办案软件配合调查",
            "此案需要保密，不要告诉家人",
            "交取保候审金免于羁押",
        ),
    ),
    "romance": (
        ("亲爱的，遇见你真好", "我在国外工作，很想回国见你", "我们以后一起过日子", "宝贝，今天想你了"),
        (
            "我舅舅在平台做数据分析，跟着投一点",
            "我的包裹被海关扣了，需要交关税",
            "帮我充值一下，回头还你",
            "我们一起攒钱买房，先投到这个平台",
        ),
    ),
    "game_trading": (
        ("出售稀有装备和满级账号", "高价回收游戏账号", "代练代充打折", "限定皮肤低价转让"),
        ("先付款到平台再交号", "你的账号被冻结需要交解冻费", "加微信私下交易更便宜", "提现失败要先交保证金"),
    ),
}
