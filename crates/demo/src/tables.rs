//! Reference data the demo bank draws from: cities with their population, centre and
//! resident-ID region codes, surnames by frequency, given-name characters by generation,
//! merchants, employers and wealth products. Approximate, but shaped like the real thing
//! so that screens, searches and risk rules see plausible data.

use bankdesk_domain::bank::RiskLevel;

pub(crate) struct City {
    pub name: &'static str,
    /// Empty for the four municipalities, whose addresses start with the city.
    pub province: &'static str,
    /// Residents in units of 10,000 (2020 census, whole prefecture); the draw weight.
    pub pop_10k: u32,
    pub lat: f64,
    pub lon: f64,
    pub area_code: &'static str,
    /// Short code used in terminal ids.
    pub code: &'static str,
    /// Planning rank: 1 for Beijing, Shanghai, Guangzhou, Shenzhen; 2 for the "new first
    /// tier"; 3 otherwise. Scales incomes and house prices.
    pub tier: u8,
    /// (GB/T 2260 region code, district name); the code prefixes resident ID numbers.
    pub districts: &'static [(&'static str, &'static str)],
}

macro_rules! city {
    ($name:literal, $prov:literal, $pop:literal, $lat:literal, $lon:literal, $area:literal, $code:literal, $tier:literal, [$(($c:literal, $d:literal)),+ $(,)?]) => {
        City { name: $name, province: $prov, pop_10k: $pop, lat: $lat, lon: $lon, area_code: $area, code: $code, tier: $tier, districts: &[$(($c, $d)),+] }
    };
}

pub(crate) const CITIES: &[City] = &[
    city!(
        "重庆",
        "",
        3205,
        29.5630,
        106.5516,
        "023",
        "CQ",
        2,
        [
            ("500103", "渝中区"),
            ("500105", "江北区"),
            ("500106", "沙坪坝区"),
            ("500107", "九龙坡区"),
            ("500112", "渝北区")
        ]
    ),
    city!(
        "上海",
        "",
        2487,
        31.2304,
        121.4737,
        "021",
        "SH",
        1,
        [
            ("310101", "黄浦区"),
            ("310104", "徐汇区"),
            ("310105", "长宁区"),
            ("310106", "静安区"),
            ("310115", "浦东新区")
        ]
    ),
    city!(
        "北京",
        "",
        2189,
        39.9042,
        116.4074,
        "010",
        "BJ",
        1,
        [
            ("110101", "东城区"),
            ("110102", "西城区"),
            ("110105", "朝阳区"),
            ("110106", "丰台区"),
            ("110108", "海淀区")
        ]
    ),
    city!(
        "成都",
        "四川省",
        2094,
        30.5728,
        104.0668,
        "028",
        "CD",
        2,
        [
            ("510104", "锦江区"),
            ("510105", "青羊区"),
            ("510106", "金牛区"),
            ("510107", "武侯区"),
            ("510108", "成华区")
        ]
    ),
    city!(
        "广州",
        "广东省",
        1868,
        23.1291,
        113.2644,
        "020",
        "GZ",
        1,
        [
            ("440103", "荔湾区"),
            ("440104", "越秀区"),
            ("440105", "海珠区"),
            ("440106", "天河区"),
            ("440111", "白云区")
        ]
    ),
    city!(
        "深圳",
        "广东省",
        1756,
        22.5431,
        114.0579,
        "0755",
        "SZ",
        1,
        [
            ("440303", "罗湖区"),
            ("440304", "福田区"),
            ("440305", "南山区"),
            ("440306", "宝安区"),
            ("440307", "龙岗区")
        ]
    ),
    city!(
        "天津",
        "",
        1387,
        39.3434,
        117.3616,
        "022",
        "TJ",
        2,
        [
            ("120101", "和平区"),
            ("120102", "河东区"),
            ("120103", "河西区"),
            ("120104", "南开区")
        ]
    ),
    city!(
        "西安",
        "陕西省",
        1296,
        34.3416,
        108.9398,
        "029",
        "XA",
        2,
        [
            ("610102", "新城区"),
            ("610103", "碑林区"),
            ("610104", "莲湖区"),
            ("610113", "雁塔区")
        ]
    ),
    city!(
        "苏州",
        "江苏省",
        1275,
        31.2990,
        120.5853,
        "0512",
        "SU",
        2,
        [
            ("320505", "虎丘区"),
            ("320506", "吴中区"),
            ("320507", "相城区"),
            ("320508", "姑苏区")
        ]
    ),
    city!(
        "郑州",
        "河南省",
        1260,
        34.7466,
        113.6254,
        "0371",
        "ZZ",
        2,
        [
            ("410102", "中原区"),
            ("410103", "二七区"),
            ("410104", "管城回族区"),
            ("410105", "金水区")
        ]
    ),
    city!(
        "武汉",
        "湖北省",
        1232,
        30.5928,
        114.3055,
        "027",
        "WH",
        2,
        [
            ("420102", "江岸区"),
            ("420103", "江汉区"),
            ("420106", "武昌区"),
            ("420111", "洪山区")
        ]
    ),
    city!(
        "杭州",
        "浙江省",
        1194,
        30.2741,
        120.1551,
        "0571",
        "HZ",
        2,
        [
            ("330102", "上城区"),
            ("330105", "拱墅区"),
            ("330106", "西湖区"),
            ("330108", "滨江区")
        ]
    ),
    city!(
        "石家庄",
        "河北省",
        1124,
        38.0428,
        114.5149,
        "0311",
        "SJZ",
        3,
        [
            ("130102", "长安区"),
            ("130104", "桥西区"),
            ("130105", "新华区"),
            ("130108", "裕华区")
        ]
    ),
    city!(
        "东莞",
        "广东省",
        1047,
        23.0205,
        113.7518,
        "0769",
        "DG",
        2,
        [
            ("441900", "莞城街道"),
            ("441900", "南城街道"),
            ("441900", "东城街道"),
            ("441900", "长安镇")
        ]
    ),
    city!(
        "青岛",
        "山东省",
        1007,
        36.0671,
        120.3826,
        "0532",
        "QD",
        2,
        [
            ("370202", "市南区"),
            ("370203", "市北区"),
            ("370211", "黄岛区"),
            ("370212", "崂山区")
        ]
    ),
    city!(
        "长沙",
        "湖南省",
        1005,
        28.2282,
        112.9388,
        "0731",
        "CS",
        2,
        [
            ("430102", "芙蓉区"),
            ("430103", "天心区"),
            ("430104", "岳麓区"),
            ("430105", "开福区")
        ]
    ),
    city!(
        "哈尔滨",
        "黑龙江省",
        1001,
        45.8038,
        126.5350,
        "0451",
        "HRB",
        3,
        [
            ("230102", "道里区"),
            ("230103", "南岗区"),
            ("230104", "道外区"),
            ("230109", "松北区")
        ]
    ),
    city!(
        "佛山",
        "广东省",
        950,
        23.0215,
        113.1214,
        "0757",
        "FS",
        2,
        [
            ("440604", "禅城区"),
            ("440605", "南海区"),
            ("440606", "顺德区")
        ]
    ),
    city!(
        "宁波",
        "浙江省",
        940,
        29.8683,
        121.5440,
        "0574",
        "NB",
        2,
        [
            ("330203", "海曙区"),
            ("330205", "江北区"),
            ("330212", "鄞州区")
        ]
    ),
    city!(
        "合肥",
        "安徽省",
        937,
        31.8206,
        117.2272,
        "0551",
        "HF",
        2,
        [
            ("340102", "瑶海区"),
            ("340103", "庐阳区"),
            ("340104", "蜀山区"),
            ("340111", "包河区")
        ]
    ),
    city!(
        "南京",
        "江苏省",
        931,
        32.0603,
        118.7969,
        "025",
        "NJ",
        2,
        [
            ("320102", "玄武区"),
            ("320104", "秦淮区"),
            ("320105", "建邺区"),
            ("320106", "鼓楼区")
        ]
    ),
    city!(
        "济南",
        "山东省",
        920,
        36.6512,
        117.1201,
        "0531",
        "JN",
        3,
        [
            ("370102", "历下区"),
            ("370103", "市中区"),
            ("370104", "槐荫区"),
            ("370105", "天桥区")
        ]
    ),
    city!(
        "沈阳",
        "辽宁省",
        907,
        41.8057,
        123.4315,
        "024",
        "SY",
        3,
        [
            ("210102", "和平区"),
            ("210103", "沈河区"),
            ("210104", "大东区"),
            ("210105", "皇姑区")
        ]
    ),
    city!(
        "长春",
        "吉林省",
        907,
        43.8171,
        125.3235,
        "0431",
        "CC",
        3,
        [
            ("220102", "南关区"),
            ("220103", "宽城区"),
            ("220104", "朝阳区"),
            ("220105", "二道区")
        ]
    ),
    city!(
        "南宁",
        "广西壮族自治区",
        874,
        22.8170,
        108.3665,
        "0771",
        "NN",
        3,
        [
            ("450102", "兴宁区"),
            ("450103", "青秀区"),
            ("450105", "江南区"),
            ("450107", "西乡塘区")
        ]
    ),
    city!(
        "昆明",
        "云南省",
        846,
        24.8801,
        102.8329,
        "0871",
        "KM",
        3,
        [
            ("530102", "五华区"),
            ("530103", "盘龙区"),
            ("530111", "官渡区"),
            ("530112", "西山区")
        ]
    ),
    city!(
        "福州",
        "福建省",
        829,
        26.0745,
        119.2965,
        "0591",
        "FZ",
        3,
        [
            ("350102", "鼓楼区"),
            ("350103", "台江区"),
            ("350104", "仓山区"),
            ("350111", "晋安区")
        ]
    ),
    city!(
        "无锡",
        "江苏省",
        746,
        31.4912,
        120.3119,
        "0510",
        "WX",
        3,
        [
            ("320211", "滨湖区"),
            ("320213", "梁溪区"),
            ("320214", "新吴区")
        ]
    ),
    city!(
        "大连",
        "辽宁省",
        745,
        38.9140,
        121.6147,
        "0411",
        "DL",
        3,
        [
            ("210202", "中山区"),
            ("210203", "西岗区"),
            ("210204", "沙河口区"),
            ("210211", "甘井子区")
        ]
    ),
    city!(
        "南昌",
        "江西省",
        626,
        28.6820,
        115.8579,
        "0791",
        "NC",
        3,
        [
            ("360102", "东湖区"),
            ("360103", "西湖区"),
            ("360104", "青云谱区"),
            ("360111", "青山湖区")
        ]
    ),
    city!(
        "贵阳",
        "贵州省",
        599,
        26.6470,
        106.6302,
        "0851",
        "GY",
        3,
        [
            ("520102", "南明区"),
            ("520103", "云岩区"),
            ("520111", "花溪区")
        ]
    ),
    city!(
        "太原",
        "山西省",
        530,
        37.8706,
        112.5489,
        "0351",
        "TY",
        3,
        [
            ("140105", "小店区"),
            ("140106", "迎泽区"),
            ("140107", "杏花岭区"),
            ("140109", "万柏林区")
        ]
    ),
    city!(
        "厦门",
        "福建省",
        516,
        24.4798,
        118.0894,
        "0592",
        "XM",
        3,
        [
            ("350203", "思明区"),
            ("350205", "海沧区"),
            ("350206", "湖里区"),
            ("350211", "集美区")
        ]
    ),
];

/// The city named `name` (story customers live in fixed cities).
pub(crate) fn city_index(name: &str) -> Option<usize> {
    CITIES.iter().position(|c| c.name == name)
}

/// Places abroad that travellers pay in: (city, ISO country, lat, lon, merchants).
pub(crate) const ABROAD: &[(&str, &str, f64, f64, &[&str])] = &[
    (
        "香港",
        "HK",
        22.2793,
        114.1628,
        &["DFS免税店", "海港城", "周大福珠宝", "莎莎化妆品"],
    ),
    (
        "东京",
        "JP",
        35.6895,
        139.6917,
        &["BIC CAMERA", "松本清药妆", "唐吉诃德", "高岛屋"],
    ),
    (
        "首尔",
        "KR",
        37.5665,
        126.9780,
        &["乐天免税店", "新罗免税店", "明洞乐天百货"],
    ),
    (
        "曼谷",
        "TH",
        13.7563,
        100.5018,
        &["King Power免税店", "暹罗百丽宫", "尚泰世界"],
    ),
    (
        "新加坡",
        "SG",
        1.3521,
        103.8198,
        &["樟宜机场免税店", "ION Orchard", "滨海湾金沙购物中心"],
    ),
];

/// Surnames with their share of the population in units of 0.01%.
pub(crate) const SURNAMES: &[(&str, u32)] = &[
    ("王", 710),
    ("李", 700),
    ("张", 670),
    ("刘", 540),
    ("陈", 450),
    ("杨", 310),
    ("黄", 220),
    ("赵", 200),
    ("吴", 190),
    ("周", 190),
    ("徐", 150),
    ("孙", 150),
    ("马", 140),
    ("朱", 130),
    ("胡", 130),
    ("郭", 120),
    ("何", 120),
    ("林", 110),
    ("高", 110),
    ("罗", 100),
    ("郑", 100),
    ("梁", 90),
    ("谢", 80),
    ("宋", 70),
    ("唐", 70),
    ("许", 70),
    ("韩", 70),
    ("冯", 70),
    ("邓", 70),
    ("曹", 60),
    ("彭", 60),
    ("曾", 60),
    ("肖", 60),
    ("田", 50),
    ("董", 50),
    ("袁", 50),
    ("潘", 50),
    ("于", 50),
    ("蒋", 50),
    ("蔡", 50),
    ("余", 50),
    ("杜", 50),
    ("叶", 40),
    ("程", 40),
    ("苏", 40),
    ("魏", 40),
    ("吕", 40),
    ("丁", 40),
    ("任", 40),
    ("沈", 40),
    ("姚", 30),
    ("卢", 30),
    ("姜", 30),
    ("崔", 30),
    ("钟", 30),
    ("谭", 30),
    ("陆", 30),
    ("汪", 30),
    ("范", 30),
    ("金", 30),
    ("石", 30),
    ("廖", 30),
    ("贾", 30),
    ("夏", 30),
    ("韦", 30),
    ("付", 30),
    ("方", 30),
    ("白", 30),
    ("邹", 30),
    ("孟", 30),
    ("熊", 30),
    ("秦", 30),
    ("邱", 30),
    ("江", 30),
    ("尹", 30),
    ("薛", 20),
    ("闫", 20),
    ("段", 20),
    ("雷", 20),
    ("侯", 20),
    ("龙", 20),
    ("史", 20),
    ("陶", 20),
    ("黎", 20),
    ("贺", 20),
    ("顾", 20),
    ("毛", 20),
    ("郝", 20),
    ("龚", 20),
    ("邵", 20),
    ("万", 20),
    ("钱", 20),
    ("严", 20),
    ("覃", 20),
    ("武", 20),
    ("戴", 20),
    ("莫", 20),
    ("孔", 20),
    ("向", 20),
    ("汤", 20),
    ("池", 2),
    ("欧阳", 5),
    ("上官", 1),
    ("司马", 1),
    ("诸葛", 1),
];

/// Given-name characters by gender and generation (born before 1965, 1965-1989, 1990 on):
/// names follow fashions, so a 70-year-old 秀英 and a 25-year-old 梓萱 both look right.
pub(crate) const MALE_CHARS: [&[&str]; 3] = [
    &[
        "国", "建", "志", "德", "永", "福", "海", "明", "军", "勇", "平", "刚", "强", "华", "林",
        "忠", "辉", "春", "生", "立", "新", "文", "学", "庆", "宝", "成", "荣", "贵", "祥", "金",
    ],
    &[
        "伟", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "斌",
        "波", "强", "亮", "峰", "健", "俊", "锋", "东", "晓", "文", "龙", "海", "洪", "宏", "建",
    ],
    &[
        "浩", "宇", "轩", "子", "博", "涵", "睿", "泽", "鑫", "俊", "凯", "昊", "然", "一", "晨",
        "航", "哲", "天", "杰", "宸", "逸", "铭", "嘉", "豪", "翔", "瑞", "奕", "思", "远", "阳",
    ],
];
pub(crate) const FEMALE_CHARS: [&[&str]; 3] = [
    &[
        "秀", "英", "桂", "兰", "淑", "珍", "凤", "芳", "玉", "华", "梅", "琴", "云", "霞", "珠",
        "荣", "素", "翠", "金", "莲", "丽", "爱", "萍", "春", "月",
    ],
    &[
        "丽", "静", "敏", "燕", "艳", "娟", "霞", "红", "玲", "芳", "娜", "丹", "萍", "慧", "颖",
        "晶", "洁", "琳", "婷", "雪", "莉", "薇", "佳", "倩", "蕾", "晓", "文", "英", "华", "梅",
    ],
    &[
        "欣", "怡", "涵", "梓", "萱", "诗", "雨", "思", "琪", "可", "馨", "语", "彤", "佳", "悦",
        "若", "一", "晨", "婧", "萌", "瑶", "嘉", "妍", "子", "心", "琳", "雯", "昕", "璐", "婉",
    ],
];

/// Mobile prefixes of the three carriers, weighted roughly by subscribers.
pub(crate) const MOBILE_PREFIXES: &[(&str, u32)] = &[
    ("134", 3),
    ("135", 6),
    ("136", 6),
    ("137", 5),
    ("138", 7),
    ("139", 8),
    ("147", 1),
    ("150", 4),
    ("151", 4),
    ("152", 3),
    ("157", 2),
    ("158", 4),
    ("159", 4),
    ("178", 2),
    ("182", 3),
    ("183", 2),
    ("187", 3),
    ("188", 3),
    ("198", 2),
    ("130", 4),
    ("131", 3),
    ("132", 3),
    ("155", 3),
    ("156", 3),
    ("166", 2),
    ("175", 1),
    ("176", 2),
    ("185", 3),
    ("186", 4),
    ("133", 3),
    ("153", 2),
    ("173", 2),
    ("177", 2),
    ("180", 3),
    ("181", 2),
    ("189", 3),
    ("191", 1),
    ("199", 2),
];

pub(crate) const STREETS: &[&str] = &[
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "新华路",
    "文化路",
    "胜利路",
    "长江路",
    "黄河路",
    "光明路",
    "朝阳路",
    "幸福路",
    "青年路",
    "东风路",
    "工农路",
    "学府路",
    "滨江路",
    "世纪大道",
    "金融街",
    "花园路",
    "科技路",
    "友谊路",
    "迎宾大道",
    "体育路",
    "健康路",
    "湖滨路",
    "南京路",
    "北京路",
    "天山路",
];

pub(crate) const COMMUNITIES: &[&str] = &[
    "阳光花园",
    "锦绣家园",
    "翠湖苑",
    "金色家园",
    "碧水湾",
    "绿地新都会",
    "东方名苑",
    "世纪城",
    "幸福里",
    "滨江花园",
    "香榭丽都",
    "和谐家园",
    "书香门第",
    "华府名邸",
    "紫薇苑",
    "怡景湾",
    "明珠花园",
    "馨园小区",
    "丽景湾",
    "梧桐苑",
    "观澜府",
    "春晓苑",
    "康乐新村",
    "工人新村",
];

/// Words that make a plausible employer name with the city in front of them.
pub(crate) const EMPLOYER_WORDS: &[&str] = &[
    "华信",
    "鼎盛",
    "恒通",
    "中联",
    "宏达",
    "天成",
    "瑞丰",
    "博远",
    "金桥",
    "新纪元",
    "海纳",
    "九州",
    "远景",
    "启明",
    "汇丰源",
    "长城",
    "正泰",
    "和顺",
    "嘉禾",
    "同创",
];
pub(crate) const EMPLOYER_KINDS: &[&str] = &[
    "科技有限公司",
    "实业有限公司",
    "贸易有限公司",
    "建设工程有限公司",
    "物流有限公司",
    "医药有限公司",
    "教育科技有限公司",
    "餐饮管理有限公司",
    "信息技术有限公司",
    "机械制造有限公司",
    "物业服务有限公司",
    "汽车销售服务有限公司",
];
/// Public employers, prefixed with the city.
pub(crate) const PUBLIC_EMPLOYERS: &[&str] = &[
    "市第一中学",
    "市人民医院",
    "市税务局",
    "市自来水公司",
    "市公交集团",
    "市实验小学",
    "市中心医院",
];

/// How purchases in one category look: who, how much, when, through which channel.
pub(crate) struct Category {
    pub brands: &'static [&'static str],
    /// Range of one purchase in yuan; drawn log-uniformly.
    pub min_yuan: u32,
    pub max_yuan: u32,
    /// Relative frequency among a customer's card purchases.
    pub weight: u32,
    pub hours: Hours,
    pub description: &'static str,
    pub naming: Naming,
}

/// How a merchant's name on the statement is made from the brand.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Naming {
    /// A chain store: "永辉超市(成都锦江店)".
    Chain,
    /// A city institution: "成都" + "市第一人民医院".
    City,
    /// An online platform: the brand alone.
    Online,
}

/// When in the day something happens.
#[derive(Clone, Copy)]
pub(crate) enum Hours {
    Daytime,
    Meals,
    Evening,
    Office,
    AnyTime,
}

impl Hours {
    /// Relative weight of each hour of the day.
    pub fn weights(self) -> &'static [u32; 24] {
        match self {
            Hours::Daytime => &[
                0, 0, 0, 0, 0, 0, 0, 2, 5, 8, 10, 10, 9, 8, 8, 9, 10, 10, 10, 9, 8, 6, 3, 1,
            ],
            Hours::Meals => &[
                1, 0, 0, 0, 0, 0, 1, 3, 5, 3, 3, 18, 20, 8, 2, 2, 3, 12, 18, 16, 8, 4, 2, 1,
            ],
            Hours::Evening => &[
                1, 0, 0, 0, 0, 0, 2, 6, 5, 4, 4, 5, 6, 5, 4, 5, 6, 8, 10, 12, 13, 12, 9, 4,
            ],
            Hours::Office => &[
                0, 0, 0, 0, 0, 0, 0, 1, 8, 12, 12, 10, 4, 6, 10, 10, 9, 4, 1, 0, 0, 0, 0, 0,
            ],
            Hours::AnyTime => &[
                3, 2, 1, 1, 0, 0, 1, 3, 5, 6, 6, 7, 8, 7, 6, 6, 6, 7, 8, 9, 10, 10, 8, 5,
            ],
        }
    }
}

macro_rules! category {
    ($brands:expr, $min:literal..$max:literal, $w:literal, $hours:ident, $desc:literal, $naming:ident) => {
        Category {
            brands: $brands,
            min_yuan: $min,
            max_yuan: $max,
            weight: $w,
            hours: Hours::$hours,
            description: $desc,
            naming: Naming::$naming,
        }
    };
}

pub(crate) const CATEGORIES: &[Category] = &[
    category!(
        &[
            "永辉超市",
            "华润万家",
            "沃尔玛",
            "大润发",
            "物美超市",
            "盒马鲜生",
            "家乐福",
            "联华超市"
        ],
        25..600,
        18,
        Daytime,
        "消费",
        Chain
    ),
    category!(
        &["全家", "罗森", "7-Eleven", "美宜佳", "便利蜂", "易捷便利店"],
        5..80,
        12,
        Evening,
        "消费",
        Chain
    ),
    category!(
        &[
            "海底捞火锅",
            "西贝莜面村",
            "肯德基",
            "麦当劳",
            "外婆家",
            "必胜客",
            "真功夫",
            "老乡鸡",
            "太二酸菜鱼",
            "呷哺呷哺"
        ],
        25..900,
        16,
        Meals,
        "消费",
        Chain
    ),
    category!(
        &[
            "星巴克",
            "瑞幸咖啡",
            "喜茶",
            "蜜雪冰城",
            "奈雪的茶",
            "Manner咖啡"
        ],
        8..60,
        7,
        Daytime,
        "消费",
        Chain
    ),
    category!(
        &["中国石化加油站", "中国石油加油站", "壳牌加油站"],
        150..600,
        5,
        Daytime,
        "加油",
        Chain
    ),
    category!(HOSPITALS, 30..3000, 2, Office, "消费", City),
    category!(
        &["老百姓大药房", "益丰大药房", "大参林药房", "海王星辰"],
        15..400,
        3,
        Daytime,
        "消费",
        Chain
    ),
    category!(
        &["优衣库", "万达广场", "银泰百货", "太平鸟", "李宁", "安踏"],
        100..3000,
        4,
        Evening,
        "消费",
        Chain
    ),
    category!(
        &["苏宁易购", "国美电器", "小米之家", "华为授权体验店"],
        300..12000,
        1,
        Daytime,
        "消费",
        Chain
    ),
    category!(
        &["美团外卖", "饿了么"],
        20..150,
        10,
        Meals,
        "网上支付",
        Online
    ),
    category!(
        &["京东商城", "淘宝", "拼多多", "唯品会", "天猫超市"],
        10..2000,
        9,
        AnyTime,
        "网上支付",
        Online
    ),
    category!(
        &["滴滴出行", "高德打车", "T3出行"],
        10..120,
        4,
        AnyTime,
        "网上支付",
        Online
    ),
    category!(
        &["中国铁路12306", "携程旅行", "去哪儿旅行"],
        80..3000,
        2,
        AnyTime,
        "网上支付",
        Online
    ),
    category!(
        &["中国移动", "中国联通", "中国电信"],
        30..200,
        2,
        AnyTime,
        "话费充值",
        Online
    ),
];

/// Index of the petrol category: only car owners buy there.
pub(crate) const PETROL: usize = 4;

/// Hospitals every city has; the city name goes in front.
pub(crate) const HOSPITALS: &[&str] =
    &["市第一人民医院", "市中心医院", "市中医医院", "市妇幼保健院"];

/// Where ATMs stand, besides branches; the city name goes in front of some.
pub(crate) const ATM_SITES: &[&str] = &[
    "火车站",
    "万达广场",
    "市第一人民医院",
    "市中心医院",
    "大学城",
    "国际会展中心",
    "政务服务中心",
];

/// A wealth product on sale: net value products (净值型), whose value moves with the market.
pub(crate) struct Product {
    pub code: &'static str,
    pub name: &'static str,
    pub risk: RiskLevel,
    /// Expected yearly return and its volatility, in basis points.
    pub mean_bp: i32,
    pub vol_bp: i32,
}

pub(crate) const PRODUCTS: &[Product] = &[
    Product {
        code: "XJ0001",
        name: "天天盈现金管理",
        risk: RiskLevel::R1,
        mean_bp: 180,
        vol_bp: 20,
    },
    Product {
        code: "WJ0180",
        name: "稳健增利180天持有期理财",
        risk: RiskLevel::R2,
        mean_bp: 300,
        vol_bp: 150,
    },
    Product {
        code: "YL0730",
        name: "安心养老两年定开理财",
        risk: RiskLevel::R2,
        mean_bp: 380,
        vol_bp: 200,
    },
    Product {
        code: "GS0365",
        name: "固收增强一年持有期理财",
        risk: RiskLevel::R3,
        mean_bp: 320,
        vol_bp: 600,
    },
    Product {
        code: "HH0365",
        name: "混合优选一年持有期净值型理财",
        risk: RiskLevel::R3,
        mean_bp: 350,
        vol_bp: 900,
    },
    Product {
        code: "JC0001",
        name: "黄金积存",
        risk: RiskLevel::R3,
        mean_bp: 900,
        vol_bp: 1500,
    },
    Product {
        code: "ZS0500",
        name: "中证500指数增强基金",
        risk: RiskLevel::R4,
        mean_bp: 400,
        vol_bp: 2200,
    },
    Product {
        code: "QY0001",
        name: "权益精选混合型基金",
        risk: RiskLevel::R4,
        mean_bp: 300,
        vol_bp: 2500,
    },
    Product {
        code: "KJ0001",
        name: "科技创新股票型基金",
        risk: RiskLevel::R5,
        mean_bp: 300,
        vol_bp: 3500,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_well_formed() {
        for c in CITIES {
            assert!(!c.districts.is_empty(), "{}", c.name);
            for (code, _) in c.districts {
                assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()));
            }
            assert!(c.area_code.starts_with('0') && (3..=4).contains(&c.area_code.len()));
        }
        for cat in CATEGORIES {
            assert!(cat.min_yuan > 0 && cat.min_yuan < cat.max_yuan);
        }
        assert_eq!(CATEGORIES[PETROL].brands[0], "中国石化加油站");
        assert!(SURNAMES.iter().all(|(_, w)| *w > 0));
        assert!(city_index("石家庄").is_some() && city_index("台北").is_none());
    }
}
