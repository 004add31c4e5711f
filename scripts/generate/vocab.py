"""Vietnamese vocabulary for the generator: people, places, reasons, and the synthetic catalogue's names.

Every string is NFC-normalised on import (the catalogue and the e-forms refuse anything else), and none
contains a tab, a newline, a backslash or a double quote (they go into COPY text and JSON as they are).
"""

import unicodedata


def _nfc(x):
    if isinstance(x, str):
        s = unicodedata.normalize("NFC", x)
        assert not any(c in s for c in '\t\n\\"'), s
        return s
    if isinstance(x, tuple):
        return tuple(_nfc(v) for v in x)
    if isinstance(x, list):
        return [_nfc(v) for v in x]
    if isinstance(x, dict):
        return {_nfc(k): _nfc(v) for k, v in x.items()}
    return x


# --------------------------------------------------------------------------------------------------
# People. Surname shares roughly as in national surveys (Nguyễn about 38%).

SURNAMES = [
    ("Nguyễn", 380), ("Trần", 110), ("Lê", 95), ("Phạm", 70), ("Hoàng", 40), ("Huỳnh", 10), ("Phan", 45),
    ("Vũ", 35), ("Võ", 10), ("Đặng", 21), ("Bùi", 20), ("Đỗ", 14), ("Hồ", 13), ("Ngô", 13), ("Dương", 10),
    ("Lý", 5), ("Mai", 6), ("Trịnh", 8), ("Đinh", 6), ("Lương", 4), ("Tạ", 3), ("Cao", 4), ("Hà", 5),
    ("Lò", 2), ("Lục", 1), ("Quách", 2), ("Tống", 2), ("Triệu", 2), ("Kiều", 1), ("Thiều", 1), ("Lưu", 3),
]
MIDDLE_M = ["Văn", "Văn", "Văn", "Đức", "Minh", "Hữu", "Quang", "Xuân", "Công", "Đình", "Thanh", "Ngọc", "Trọng",
            "Tiến", "Anh", "Duy", "Mạnh", "Bá", "Thế", "Hoàng", "Gia", "Đăng", "Khắc", "Viết"]
MIDDLE_F = ["Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Phương", "Thúy", "Hoài", "Bảo",
            "Diệu", "Khánh", "Mai", "Kim", "Hải", "Lan", "Quỳnh"]
GIVEN_M = ["An", "Anh", "Bình", "Cường", "Công", "Dũng", "Duy", "Đạt", "Đức", "Giang", "Hải", "Hiếu", "Hòa",
           "Hoàng", "Hùng", "Huy", "Hưng", "Khánh", "Khang", "Khoa", "Kiên", "Lâm", "Long", "Lộc", "Mạnh",
           "Minh", "Nam", "Nghĩa", "Nhân", "Phát", "Phong", "Phúc", "Quân", "Quang", "Quý", "Sơn", "Tài",
           "Tâm", "Thắng", "Thành", "Thịnh", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Bảo",
           "Chiến", "Định", "Hậu", "Lợi", "Tiến", "Trường", "Tú", "Thái", "Hiệp", "Kiệt", "Tuệ"]
GIVEN_F = ["An", "Anh", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng", "Huyền",
           "Hương", "Lan", "Liên", "Linh", "Loan", "Ly", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Oanh",
           "Phương", "Quyên", "Quỳnh", "Tâm", "Thảo", "Thơ", "Thu", "Thủy", "Trang", "Trinh", "Tuyết", "Uyên",
           "Vân", "Vy", "Yến", "Hải", "Khánh", "Nhi", "Thư", "Diệp", "Gấm", "Lệ", "Mơ", "Nụ"]

STREETS = ["Lê Lợi", "Trần Phú", "Quang Trung", "Lê Hoàn", "Bà Triệu", "Phan Chu Trinh", "Nguyễn Trãi",
           "Hàm Nghi", "Tống Duy Tân", "Lạc Long Quân", "Đại lộ Lê Lợi", "Nguyễn Chí Thanh", "Trường Thi",
           "Hải Thượng Lãn Ông", "Lê Lai", "Triệu Quốc Đạt", "Đào Duy Từ", "Tản Đà", "Phú Thọ", "Mai An Tiêm",
           "Đông Tác", "Nguyễn Du", "Hồ Xuân Hương", "Lê Thánh Tông", "Thành Thái", "Hạc Thành"]
HAMLETS = ["thôn Đông", "thôn Tây", "thôn Nam", "thôn Bắc", "thôn Trung", "thôn Thượng", "thôn Hạ", "thôn 1",
           "thôn 2", "thôn 3", "thôn 4", "thôn 5", "xóm Mới", "thôn Phú Lâm", "thôn Yên Trường", "thôn Đại Đồng",
           "khu phố 1", "khu phố 2", "khu phố 3", "tổ dân phố Ngọc Trạo", "tổ dân phố Bắc Sơn"]
EMAIL_DOMAINS = ["gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com", "example.vn"]
PHONE_PREFIXES = ["086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039", "091",
                  "094", "088", "083", "084", "085", "081", "082", "090", "093", "089", "070", "079", "077",
                  "076", "078", "092", "056", "058", "099", "059"]
BANKS = ["VCB", "BIDV", "VTB", "AGRIBANK", "TCB", "MB", "VPB", "ACB", "SHB", "LPB", "VIB", "TPB"]

# --------------------------------------------------------------------------------------------------
# Agencies. The seeded tree (backend/src/seed.rs) plus these: departments after the 2025 reorganisation
# and communes/wards of the two-level local government. Weights are relative dossier volumes.

DEPARTMENTS = [
    ("H56.03", "Sở Nội vụ tỉnh Thanh Hóa", "Phòng Lao động - Việc làm"),
    ("H56.07", "Sở Công Thương tỉnh Thanh Hóa", "Phòng Quản lý thương mại"),
    ("H56.09", "Sở Giáo dục và Đào tạo tỉnh Thanh Hóa", "Phòng Quản lý chất lượng"),
    ("H56.11", "Sở Y tế tỉnh Thanh Hóa", "Phòng Nghiệp vụ Y - Dược"),
    ("H56.16", "Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa", "Phòng Quản lý du lịch"),
    ("H56.22", "Sở Khoa học và Công nghệ tỉnh Thanh Hóa", "Phòng Quản lý công nghệ và chuyển đổi số"),
    ("H56.24", "Sở Dân tộc và Tôn giáo tỉnh Thanh Hóa", "Phòng Tôn giáo"),
    ("H56.26", "Ban Quản lý Khu kinh tế Nghi Sơn và các khu công nghiệp tỉnh Thanh Hóa", "Phòng Quản lý đầu tư"),
]
# Code, name, relative size (population / activity). The seeded four come first.
COMMUNES = [
    ("H56.101", "Ủy ban nhân dân phường Hạc Thành", 3.2),
    ("H56.102", "Ủy ban nhân dân phường Sầm Sơn", 1.7),
    ("H56.103", "Ủy ban nhân dân xã Hoằng Hóa", 1.1),
    ("H56.104", "Ủy ban nhân dân xã Quảng Xương", 0.9),
    ("H56.105", "Ủy ban nhân dân phường Hàm Rồng", 1.8),
    ("H56.106", "Ủy ban nhân dân phường Đông Sơn", 1.4),
    ("H56.107", "Ủy ban nhân dân phường Quảng Phú", 1.2),
    ("H56.108", "Ủy ban nhân dân phường Bỉm Sơn", 1.3),
    ("H56.109", "Ủy ban nhân dân phường Nghi Sơn", 1.5),
    ("H56.110", "Ủy ban nhân dân phường Tĩnh Gia", 1.0),
    ("H56.111", "Ủy ban nhân dân xã Thọ Xuân", 0.8),
    ("H56.112", "Ủy ban nhân dân xã Triệu Sơn", 0.7),
    ("H56.113", "Ủy ban nhân dân xã Ngọc Lặc", 0.6),
    ("H56.114", "Ủy ban nhân dân xã Yên Định", 0.6),
    ("H56.115", "Ủy ban nhân dân xã Cẩm Thủy", 0.4),
    ("H56.116", "Ủy ban nhân dân xã Mường Lát", 0.2),
]
# Pre-2025 codes of the communes' predecessors (district.commune), shown in dossier codes before 1 July 2025.
FORMER_DISTRICTS = ["37", "37", "38", "39", "37", "40", "37", "41", "42", "42", "43", "44", "45", "46", "47", "48"]

COMMUNE_SPECIALIST = "Phòng Văn hóa - Xã hội"
COMMUNE_ONE_STOP = "Bộ phận Một cửa"
LEADERSHIP = "Lãnh đạo"

TITLES = {
    ("commune", "clerk"): "Công chức Bộ phận Một cửa",
    ("commune", "officer"): "Công chức chuyên môn",
    ("commune", "leader"): "Phó Chủ tịch UBND",
    ("department", "clerk"): "Chuyên viên Bộ phận Một cửa",
    ("department", "officer"): "Chuyên viên",
    ("department", "leader"): "Phó Giám đốc",
    ("province", "leader"): "Phó Chủ tịch UBND tỉnh",
    ("province", "officer"): "Chuyên viên Văn phòng UBND tỉnh",
    ("province", "clerk"): "Chuyên viên Văn phòng UBND tỉnh",
}

# --------------------------------------------------------------------------------------------------
# Reasons, items and texts for the history.

REFUSE_REASONS = [
    "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan",
    "Hồ sơ không đúng đối tượng theo quy định",
    "Người nộp không có quyền yêu cầu thực hiện thủ tục",
    "Hồ sơ trùng với hồ sơ đã được tiếp nhận trước đó",
    "Giấy tờ nộp kèm không phải bản chính hoặc bản sao hợp lệ",
    "Việc đăng ký đã được thực hiện tại cơ quan khác",
]
SUPPLEMENT_REASONS = [
    "Hồ sơ còn thiếu thành phần theo quy định",
    "Thông tin trên tờ khai chưa khớp với giấy tờ tùy thân",
    "Bản chụp giấy tờ không rõ nét, không đọc được nội dung",
    "Cần bổ sung giấy tờ chứng minh quan hệ nhân thân",
    "Giấy tờ đã hết hiệu lực, đề nghị nộp bản còn hiệu lực",
    "Cần bổ sung văn bản ủy quyền hợp lệ",
    "Bản vẽ, sơ đồ chưa đúng quy cách",
]
SUPPLEMENT_ITEMS = [
    "Bản chính tờ khai có chữ ký của người yêu cầu",
    "Bản chụp rõ nét giấy tờ tùy thân còn hiệu lực",
    "Văn bản ủy quyền có chứng thực",
    "Giấy tờ chứng minh quan hệ nhân thân",
    "Sơ đồ vị trí thửa đất có xác nhận",
    "Bản sao Giấy chứng nhận quyền sử dụng đất",
    "Biên lai nộp lệ phí",
    "Ảnh chân dung cỡ 4x6 chụp không quá 6 tháng",
    "Hợp đồng thuê địa điểm kinh doanh",
    "Bản thuyết minh kèm theo hồ sơ",
]
SEND_BACK_REASONS = [
    "Dự thảo kết quả còn sai sót thông tin, đề nghị rà soát lại",
    "Đề nghị bổ sung ý kiến thẩm định của phòng chuyên môn",
    "Cần kiểm tra lại căn cứ pháp lý trước khi ký",
    "Thông tin trên dự thảo chưa khớp với hồ sơ gốc",
]
STOP_REASONS = [
    "Hồ sơ có dấu hiệu giả mạo giấy tờ, chuyển cơ quan chức năng xem xét",
    "Có tranh chấp phát sinh trong quá trình giải quyết",
    "Đối tượng không đủ điều kiện theo kết quả xác minh",
    "Cơ quan có thẩm quyền yêu cầu tạm dừng để giải quyết khiếu nại",
]
APOLOGY_REASONS = [
    "Hồ sơ cần xác minh thêm thông tin tại cơ quan liên quan",
    "Cần lấy ý kiến của các cơ quan phối hợp",
    "Khối lượng hồ sơ tăng đột biến, chưa kịp giải quyết đúng hạn",
    "Cần kiểm tra thực địa trước khi ban hành kết quả",
    "Cán bộ thụ lý nghỉ ốm đột xuất, hồ sơ được chuyển người khác xử lý",
]
HAND_OVER_NOTES = [
    "Chuyển phòng chuyên môn thẩm định",
    "Đề nghị xử lý theo quy định",
    "Chuyển xử lý",
    "Hồ sơ đầy đủ, chuyển thẩm định",
]
RATING_COMMENTS = {
    5: ["Cán bộ hướng dẫn nhiệt tình, trả kết quả sớm", "Rất hài lòng", "Thủ tục nhanh gọn, không phải đi lại",
        "Nộp trực tuyến tiện lợi, nhận kết quả đúng hẹn"],
    4: ["Hài lòng", "Giải quyết đúng hẹn", "Cán bộ thân thiện"],
    3: ["Bình thường", "Thời gian chờ ở quầy hơi lâu"],
    2: ["Phải bổ sung hồ sơ nhiều lần", "Trả kết quả chậm so với giấy hẹn"],
    1: ["Quá hạn nhiều ngày mà không được thông báo", "Không hài lòng với thái độ phục vụ"],
}
FEEDBACK_PHAN_ANH = [
    "Đề nghị cơ quan thông báo rõ hơn về tiến độ giải quyết hồ sơ của tôi.",
    "Tôi chưa nhận được thông báo kết quả qua tin nhắn dù hồ sơ đã giải quyết xong.",
    "Hướng dẫn thành phần hồ sơ trên cổng dịch vụ công chưa rõ ràng.",
    "Đề nghị bố trí thêm cán bộ tại bộ phận một cửa vào buổi sáng.",
]
FEEDBACK_KIEN_NGHI = [
    "Hồ sơ của tôi đã quá hạn trên giấy hẹn nhưng chưa nhận được văn bản xin lỗi, đề nghị xem xét.",
    "Tôi bị yêu cầu bổ sung nhiều lần với các nội dung khác nhau, đề nghị kiểm tra lại.",
    "Đề nghị giải thích lý do từ chối tiếp nhận hồ sơ của tôi.",
    "Kết quả giải quyết có sai sót thông tin cá nhân, đề nghị đính chính.",
]
FEEDBACK_ANSWERS = [
    "Cơ quan đã tiếp nhận và kiểm tra, hồ sơ đang được xử lý theo đúng quy định. Xin cảm ơn ông/bà.",
    "Cơ quan xin lỗi về sự chậm trễ và đã chỉ đạo bộ phận chuyên môn khẩn trương giải quyết.",
    "Nội dung phản ánh đã được chuyển đến bộ phận liên quan để rút kinh nghiệm.",
]

# --------------------------------------------------------------------------------------------------
# The synthetic catalogue: fields and procedure names. Each field: code, name, competent (the level
# "commune" or an agency code), the seeded procedure whose e-form fields it borrows, statutory times
# (unit, value) to choose from, fees in đồng to choose from.

FIELDS = [
    ("H56-LV05", "Hộ tịch", "commune", "1.001193", [("working_days", v) for v in (1, 3, 5, 10)], [0, 0, 5000, 8000, 10000, 15000], [
        "Đăng ký khai sinh lưu động", "Đăng ký kết hôn lưu động", "Đăng ký khai tử lưu động", "Đăng ký lại khai sinh",
        "Đăng ký lại kết hôn", "Đăng ký lại khai tử", "Đăng ký khai sinh có yếu tố nước ngoài",
        "Đăng ký kết hôn có yếu tố nước ngoài", "Đăng ký khai tử có yếu tố nước ngoài", "Đăng ký chấm dứt giám hộ",
        "Đăng ký thay đổi giám hộ", "Đăng ký nhận cha, mẹ, con có yếu tố nước ngoài",
        "Đăng ký khai sinh kết hợp nhận cha, mẹ, con", "Đăng ký khai sinh cho người đã có hồ sơ, giấy tờ cá nhân",
        "Ghi vào Sổ hộ tịch việc kết hôn của công dân Việt Nam đã được giải quyết tại cơ quan có thẩm quyền của nước ngoài",
        "Ghi vào Sổ hộ tịch việc ly hôn, hủy việc kết hôn đã được giải quyết tại cơ quan có thẩm quyền của nước ngoài",
        "Ghi vào Sổ hộ tịch việc hộ tịch khác của công dân Việt Nam đã được giải quyết tại cơ quan có thẩm quyền của nước ngoài",
        "Cấp Giấy xác nhận tình trạng hôn nhân để sử dụng ở nước ngoài", "Đăng ký giám hộ có yếu tố nước ngoài",
        "Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
        "Liên thông thủ tục hành chính về đăng ký khai tử, xóa đăng ký thường trú, hưởng chế độ tử tuất",
        "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch có yếu tố nước ngoài", "Xác nhận thông tin hộ tịch",
        "Đăng ký chấm dứt giám hộ có yếu tố nước ngoài", "Đăng ký khai sinh cho trẻ em bị bỏ rơi",
    ]),
    ("H56-LV01", "Chứng thực", "commune", "2.000815", [("working_days", v) for v in (1, 2, 3)] + [("working_hours", 4)], [2000, 5000, 10000, 20000, 30000, 50000], [
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan tổ chức có thẩm quyền của nước ngoài cấp hoặc chứng nhận",
        "Chứng thực chữ ký người dịch mà người dịch là cộng tác viên dịch thuật",
        "Chứng thực chữ ký người dịch không phải là cộng tác viên dịch thuật",
        "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch", "Sửa lỗi sai sót trong hợp đồng, giao dịch",
        "Cấp bản sao có chứng thực từ bản chính hợp đồng, giao dịch đã được chứng thực", "Chứng thực di chúc",
        "Chứng thực văn bản từ chối nhận di sản",
        "Chứng thực văn bản thỏa thuận phân chia di sản là động sản, quyền sử dụng đất, nhà ở",
        "Chứng thực văn bản khai nhận di sản là động sản, quyền sử dụng đất, nhà ở",
        "Chứng thực hợp đồng mua bán, tặng cho, thế chấp nhà ở", "Chứng thực hợp đồng ủy quyền",
        "Chứng thực giấy ủy quyền",
    ]),
    ("H56-LV08", "Thành lập và hoạt động của hộ kinh doanh", "commune", "2.000720", [("working_days", 3), ("working_days", 5)], [0, 50000, 100000], [
        "Đăng ký chấm dứt hoạt động hộ kinh doanh", "Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh",
        "Thông báo thay đổi nội dung đăng ký thuế của hộ kinh doanh", "Đăng ký thành lập hộ kinh doanh do thừa kế",
        "Hiệu đính thông tin đăng ký hộ kinh doanh",
    ]),
    ("H56-LV15", "Đất đai", "commune", "1.004227", [("working_days", v) for v in (5, 10, 15, 20)] + [("calendar_days", 30)], [0, 50000, 100000, 300000], [
        "Hòa giải tranh chấp đất đai", "Đăng ký chuyển mục đích sử dụng đất không phải xin phép",
        "Gia hạn sử dụng đất nông nghiệp của hộ gia đình, cá nhân",
        "Xác nhận tiếp tục sử dụng đất nông nghiệp của hộ gia đình, cá nhân khi hết thời hạn sử dụng đất",
        "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất", "Tách thửa hoặc hợp thửa đất",
        "Đăng ký biến động do đổi tên, thay đổi thông tin về người sử dụng đất",
        "Xóa đăng ký cho thuê, cho thuê lại quyền sử dụng đất",
        "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền đối với hộ gia đình, cá nhân",
        "Thu hồi đất do người sử dụng đất tự nguyện trả lại đất",
        "Đăng ký biến động quyền sử dụng đất do thay đổi diện tích xây dựng, diện tích sử dụng",
        "Cung cấp thông tin, dữ liệu đất đai",
    ]),
    ("H56-LV11", "Đăng ký biện pháp bảo đảm", "commune", "1.004221", [("working_days", 1), ("working_days", 3)], [0, 30000, 80000], [
        "Đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất", "Xóa đăng ký thế chấp quyền sử dụng đất",
        "Đăng ký thay đổi nội dung biện pháp bảo đảm bằng quyền sử dụng đất",
        "Sửa chữa sai sót nội dung biện pháp bảo đảm đã đăng ký do lỗi của cơ quan đăng ký",
    ]),
    ("H56-LV12", "Hoạt động xây dựng", "commune", "1.009994", [("calendar_days", 15), ("working_days", 10), ("calendar_days", 20)], [0, 50000, 75000], [
        "Cấp giấy phép sửa chữa, cải tạo nhà ở riêng lẻ", "Cấp giấy phép di dời nhà ở riêng lẻ",
        "Điều chỉnh giấy phép xây dựng nhà ở riêng lẻ", "Gia hạn giấy phép xây dựng nhà ở riêng lẻ",
        "Cấp lại giấy phép xây dựng nhà ở riêng lẻ", "Cấp giấy phép xây dựng có thời hạn đối với nhà ở riêng lẻ",
    ]),
    ("H56-LV30", "Bảo trợ xã hội", "commune", "1.000656", [("working_days", v) for v in (5, 10, 15, 20)], [0], [
        "Trợ giúp xã hội thường xuyên đối với đối tượng bảo trợ xã hội", "Điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng",
        "Chi trả trợ cấp xã hội hằng tháng khi đối tượng thay đổi nơi cư trú",
        "Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận khuyết tật", "Đổi, cấp lại Giấy xác nhận khuyết tật",
        "Trợ giúp xã hội khẩn cấp về hỗ trợ làm nhà ở, sửa chữa nhà ở", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
        "Công nhận hộ nghèo, hộ cận nghèo phát sinh trong năm", "Công nhận hộ thoát nghèo, hộ thoát cận nghèo trong năm",
        "Đăng ký hoạt động đối với cơ sở trợ giúp xã hội dưới 10 đối tượng",
        "Hỗ trợ kinh phí nhận chăm sóc, nuôi dưỡng đối tượng cần bảo vệ khẩn cấp",
    ]),
    ("H56-LV31", "Người có công", "commune", "1.000656", [("working_days", v) for v in (5, 12, 20)], [0], [
        "Giải quyết chế độ trợ cấp thờ cúng liệt sĩ", "Cấp giấy xác nhận thân nhân của người có công",
        "Giải quyết chế độ mai táng phí đối với cựu chiến binh", "Hưởng lại chế độ ưu đãi người có công",
        "Di chuyển hồ sơ khi người hưởng trợ cấp ưu đãi thay đổi nơi thường trú", "Hỗ trợ thăm viếng mộ liệt sĩ",
        "Hỗ trợ người có công với cách mạng về nhà ở",
    ]),
    ("H56-LV35", "Giáo dục và Đào tạo", "commune", "1.004873", [("working_days", v) for v in (3, 5, 10, 15)], [0], [
        "Chuyển trường đối với học sinh trung học cơ sở", "Xét duyệt chính sách hỗ trợ đối với trẻ em mẫu giáo",
        "Cho phép trường mầm non hoạt động giáo dục", "Thành lập nhóm trẻ, lớp mẫu giáo độc lập",
        "Hỗ trợ ăn trưa cho trẻ em mẫu giáo", "Xét, cấp học bổng chính sách", "Miễn, giảm học phí, hỗ trợ chi phí học tập",
        "Cho phép trường tiểu học hoạt động giáo dục",
    ]),
    ("H56-LV40", "Văn hóa cơ sở", "commune", "2.000555", [("working_days", v) for v in (5, 7, 10)], [0, 0, 500000], [
        "Đăng ký tổ chức lễ hội cấp xã", "Thông báo tổ chức lễ hội cấp xã", "Xét tặng danh hiệu Gia đình văn hóa hằng năm",
        "Xét tặng danh hiệu Thôn, Tổ dân phố văn hóa", "Cấp Giấy phép đủ điều kiện kinh doanh dịch vụ karaoke",
        "Thông báo thành lập thư viện đối với thư viện cộng đồng",
    ]),
    ("H56-LV41", "Nông nghiệp và phát triển nông thôn", "commune", "2.000555", [("working_days", v) for v in (5, 10, 15)], [0], [
        "Hỗ trợ khôi phục sản xuất vùng bị thiệt hại do thiên tai, dịch bệnh",
        "Kê khai hoạt động chăn nuôi trang trại quy mô nhỏ", "Xác nhận bảng kê lâm sản",
        "Phê duyệt kế hoạch khuyến nông địa phương", "Hỗ trợ dự án liên kết sản xuất, tiêu thụ sản phẩm nông nghiệp",
        "Đăng ký mã số vùng trồng",
    ]),
    ("H56-LV42", "Tín ngưỡng, tôn giáo", "commune", "2.000555", [("working_days", v) for v in (5, 15, 20)], [0], [
        "Đăng ký hoạt động tín ngưỡng", "Đăng ký bổ sung hoạt động tín ngưỡng",
        "Thông báo danh mục hoạt động tôn giáo đối với tổ chức có địa bàn hoạt động tôn giáo ở một xã",
        "Đăng ký sinh hoạt tôn giáo tập trung", "Thông báo về việc thay đổi địa điểm sinh hoạt tôn giáo tập trung",
    ]),
    ("H56-LV06", "Hòa giải ở cơ sở và nuôi con nuôi", "commune", "1.004837", [("working_days", v) for v in (3, 5, 20)], [0, 400000], [
        "Thực hiện hỗ trợ khi hòa giải viên gặp tai nạn hoặc rủi ro ảnh hưởng đến sức khỏe, tính mạng",
        "Công nhận hòa giải viên", "Công nhận tổ trưởng tổ hòa giải", "Thôi làm hòa giải viên",
        "Đăng ký việc nuôi con nuôi trong nước", "Đăng ký lại việc nuôi con nuôi trong nước",
        "Công nhận tuyên truyền viên pháp luật",
    ]),
    ("H56-LV18", "Lý lịch tư pháp", "H56.14", "2.000488", [("working_days", 10), ("working_days", 15)], [100000, 200000], [
        "Cấp Phiếu lý lịch tư pháp cho cơ quan nhà nước, tổ chức chính trị, tổ chức chính trị - xã hội",
        "Cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng", "Cấp Phiếu lý lịch tư pháp số 2 theo yêu cầu của cá nhân",
    ]),
    ("H56-LV19", "Công chứng và hành nghề tư pháp", "H56.14", "2.000789", [("working_days", v) for v in (5, 10, 20)], [0, 100000, 500000, 1000000], [
        "Thành lập Văn phòng công chứng", "Đăng ký hoạt động Văn phòng công chứng",
        "Thay đổi nội dung đăng ký hoạt động của Văn phòng công chứng", "Cấp lại Thẻ công chứng viên",
        "Xóa đăng ký hành nghề và thu hồi Thẻ công chứng viên", "Đăng ký hoạt động của tổ chức hành nghề luật sư",
        "Thay đổi người đại diện theo pháp luật của Văn phòng luật sư", "Đăng ký hành nghề luật sư với tư cách cá nhân",
        "Bổ nhiệm giám định viên tư pháp", "Đăng ký hoạt động của doanh nghiệp đấu giá tài sản",
        "Đăng ký hoạt động Trung tâm trọng tài", "Xác nhận có quốc tịch Việt Nam",
    ]),
    ("H56-LV12", "Hoạt động xây dựng", "H56.18", "1.009946", [("working_days", v) for v in (10, 15, 20)] + [("calendar_days", 20)], [0, 150000, 300000], [
        "Cấp giấy phép xây dựng sửa chữa, cải tạo đối với công trình", "Cấp giấy phép di dời đối với công trình",
        "Điều chỉnh giấy phép xây dựng đối với công trình", "Gia hạn giấy phép xây dựng đối với công trình",
        "Cấp lại giấy phép xây dựng đối với công trình", "Thẩm định Báo cáo nghiên cứu khả thi đầu tư xây dựng",
        "Thẩm định thiết kế xây dựng triển khai sau thiết kế cơ sở",
        "Cấp chứng chỉ năng lực hoạt động xây dựng hạng II, hạng III", "Cấp lại chứng chỉ hành nghề hoạt động xây dựng",
        "Điều chỉnh, bổ sung nội dung chứng chỉ hành nghề hoạt động xây dựng",
        "Cấp giấy phép hoạt động xây dựng cho nhà thầu nước ngoài",
    ]),
    ("H56-LV13", "Đường bộ", "H56.18", "1.009946", [("working_days", v) for v in (2, 5, 10)], [0, 115000, 135000, 200000], [
        "Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp", "Cấp lại giấy phép lái xe",
        "Cấp giấy phép kinh doanh vận tải bằng xe ô tô", "Cấp phù hiệu xe ô tô kinh doanh vận tải",
        "Cấp giấy phép lưu hành xe quá tải trọng, xe quá khổ giới hạn trên đường bộ",
        "Đăng ký, cấp biển số xe máy chuyên dùng lần đầu", "Cấp giấy phép thi công công trình trên đường bộ đang khai thác",
        "Cấp giấy phép xe tập lái", "Chấp thuận xây dựng công trình thiết yếu trong phạm vi bảo vệ kết cấu hạ tầng giao thông",
        "Cấp Giấy chứng nhận giáo viên dạy thực hành lái xe",
    ]),
    ("H56-LV14", "Đường thủy nội địa", "H56.18", "1.009946", [("working_days", v) for v in (3, 5)], [0, 70000], [
        "Cấp giấy chứng nhận đăng ký phương tiện thủy nội địa lần đầu", "Cấp lại giấy chứng nhận đăng ký phương tiện thủy nội địa",
        "Công bố hoạt động bến thủy nội địa", "Cấp giấy phép hoạt động bến khách ngang sông",
    ]),
    ("H56-LV16", "Môi trường", "H56.20", "1.008001", [("calendar_days", 30), ("working_days", 20), ("working_days", 15)], [0, 3000000, 7000000], [
        "Thẩm định báo cáo đánh giá tác động môi trường", "Cấp điều chỉnh giấy phép môi trường", "Cấp lại giấy phép môi trường",
        "Cấp đổi giấy phép môi trường", "Vận hành thử nghiệm công trình xử lý chất thải",
        "Chấp thuận kế hoạch cải tạo, phục hồi môi trường trong khai thác khoáng sản",
    ]),
    ("H56-LV17", "Tài nguyên nước và khoáng sản", "H56.20", "1.008001", [("working_days", v) for v in (15, 20, 30)], [0, 1500000, 4000000], [
        "Cấp giấy phép thăm dò nước dưới đất", "Cấp giấy phép khai thác nước mặt",
        "Gia hạn, điều chỉnh giấy phép khai thác nước dưới đất", "Cấp giấy phép xả nước thải vào nguồn nước",
        "Cấp giấy phép khai thác khoáng sản làm vật liệu xây dựng thông thường", "Đóng cửa mỏ khoáng sản",
        "Trả lại giấy phép khai thác khoáng sản", "Đăng ký khai thác nước dưới đất",
    ]),
    ("H56-LV15", "Đất đai", "H56.20", "1.004217", [("working_days", v) for v in (10, 15, 20, 30)], [0, 100000, 500000], [
        "Cho phép chuyển mục đích sử dụng đất đối với tổ chức", "Gia hạn sử dụng đất đối với tổ chức",
        "Cấp Giấy chứng nhận quyền sử dụng đất cho tổ chức", "Đăng ký biến động đất đai đối với tổ chức",
        "Cấp đổi Giấy chứng nhận quyền sử dụng đất cho tổ chức", "Điều chỉnh quyết định thu hồi đất, giao đất, cho thuê đất",
        "Thẩm định nhu cầu sử dụng đất để xem xét giao đất, cho thuê đất",
    ]),
    ("H56-LV21", "Nông nghiệp", "H56.20", "1.003324", [("working_days", v) for v in (5, 10, 15, 20)], [0, 300000, 700000], [
        "Cấp Giấy chứng nhận đủ điều kiện buôn bán thuốc bảo vệ thực vật",
        "Cấp Giấy xác nhận nội dung quảng cáo thuốc bảo vệ thực vật",
        "Cấp giấy chứng nhận kiểm dịch động vật, sản phẩm động vật vận chuyển ra khỏi địa bàn cấp tỉnh",
        "Cấp Giấy chứng nhận đủ điều kiện buôn bán thuốc thú y", "Cấp chứng chỉ hành nghề thú y",
        "Cấp Giấy chứng nhận cơ sở an toàn dịch bệnh động vật", "Công nhận cây đầu dòng, vườn cây đầu dòng",
        "Cấp giấy phép khai thác thủy sản", "Cấp văn bản chấp thuận đóng mới, cải hoán tàu cá", "Đăng ký tàu cá",
        "Cấp Giấy chứng nhận an toàn kỹ thuật tàu cá", "Cấp giấy xác nhận nguồn gốc thủy sản khai thác",
        "Phê duyệt phương án trồng rừng thay thế", "Cấp giấy phép hoạt động trong phạm vi bảo vệ công trình thủy lợi",
        "Cấp Giấy chứng nhận đủ điều kiện sản xuất thức ăn chăn nuôi",
    ]),
    ("H56-LV09", "Thành lập và hoạt động của doanh nghiệp", "H56.05", "2.002042", [("working_days", 3)], [0, 50000, 100000], [
        "Đăng ký thành lập công ty trách nhiệm hữu hạn hai thành viên trở lên", "Đăng ký thành lập công ty cổ phần",
        "Đăng ký thay đổi người đại diện theo pháp luật của công ty trách nhiệm hữu hạn",
        "Đăng ký thay đổi địa chỉ trụ sở chính của doanh nghiệp", "Đăng ký thay đổi vốn điều lệ của công ty",
        "Đăng ký thay đổi tên doanh nghiệp", "Thông báo thay đổi ngành, nghề kinh doanh",
        "Đăng ký hoạt động chi nhánh, văn phòng đại diện, địa điểm kinh doanh", "Giải thể doanh nghiệp",
        "Cấp lại Giấy chứng nhận đăng ký doanh nghiệp", "Chấm dứt hoạt động chi nhánh, văn phòng đại diện, địa điểm kinh doanh",
        "Đăng ký doanh nghiệp đối với các công ty được thành lập trên cơ sở chia, tách công ty",
        "Chuyển đổi doanh nghiệp tư nhân thành công ty trách nhiệm hữu hạn",
        "Đăng ký thay đổi chủ sở hữu công ty trách nhiệm hữu hạn một thành viên",
        "Thông báo thay đổi thông tin cổ đông sáng lập công ty cổ phần",
    ]),
    ("H56-LV22", "Đầu tư tại Việt Nam", "H56.05", "1.009645", [("working_days", 15), ("calendar_days", 30), ("calendar_days", 35)], [0], [
        "Điều chỉnh dự án đầu tư thuộc thẩm quyền chấp thuận chủ trương đầu tư của Ủy ban nhân dân tỉnh",
        "Cấp Giấy chứng nhận đăng ký đầu tư", "Điều chỉnh Giấy chứng nhận đăng ký đầu tư",
        "Gia hạn thời hạn hoạt động của dự án đầu tư", "Chấm dứt hoạt động dự án đầu tư", "Giãn tiến độ đầu tư",
        "Chuyển nhượng dự án đầu tư",
    ]),
    ("H56-LV10", "Thành lập và hoạt động của hợp tác xã", "H56.05", "2.001612", [("working_days", 3), ("working_days", 5)], [0, 100000], [
        "Đăng ký thành lập hợp tác xã", "Đăng ký thay đổi tên, địa chỉ trụ sở, ngành nghề của hợp tác xã",
        "Giải thể tự nguyện hợp tác xã", "Đăng ký thành lập liên hiệp hợp tác xã",
    ]),
    ("H56-LV23", "Quản lý ngân sách nhà nước", "H56.05", "2.001583", [("working_days", 2), ("working_days", 5)], [0], [
        "Đăng ký mã số đơn vị có quan hệ với ngân sách", "Thẩm định quyết toán dự án hoàn thành sử dụng vốn ngân sách",
        "Thẩm định giá tài sản công",
    ]),
    ("H56-LV25", "Lao động, việc làm", "H56.03", "2.000488", [("working_days", v) for v in (5, 10, 20)], [0, 400000, 600000], [
        "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam", "Cấp lại giấy phép lao động",
        "Gia hạn giấy phép lao động", "Xác nhận người lao động nước ngoài không thuộc diện cấp giấy phép lao động",
        "Cấp Giấy phép hoạt động dịch vụ việc làm", "Đăng ký nội quy lao động", "Giải quyết hưởng trợ cấp thất nghiệp",
        "Tạm dừng hưởng trợ cấp thất nghiệp", "Hỗ trợ học nghề cho người hưởng trợ cấp thất nghiệp",
        "Chuyển nơi hưởng trợ cấp thất nghiệp", "Cấp Giấy phép hoạt động cho thuê lại lao động",
    ]),
    ("H56-LV26", "Thi đua, khen thưởng và tổ chức hội", "H56.03", "2.000555", [("working_days", v) for v in (10, 20, 30)], [0], [
        "Tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh", "Tặng danh hiệu Chiến sĩ thi đua cấp tỉnh",
        "Tặng Cờ thi đua của Ủy ban nhân dân tỉnh", "Công nhận ban vận động thành lập hội", "Phê duyệt điều lệ hội",
        "Thành lập hội", "Cấp giấy phép thành lập và công nhận điều lệ quỹ", "Đổi tên hội",
        "Thẩm định việc thành lập, tổ chức lại, giải thể đơn vị sự nghiệp công lập", "Cấp chứng chỉ hành nghề lưu trữ",
    ]),
    ("H56-LV27", "Lưu thông hàng hóa trong nước", "H56.07", "1.003324", [("working_days", v) for v in (10, 15)], [0, 1200000, 2200000], [
        "Cấp Giấy phép bán buôn sản phẩm rượu", "Cấp Giấy phép bán lẻ sản phẩm thuốc lá",
        "Cấp Giấy chứng nhận đủ điều kiện cửa hàng bán lẻ xăng dầu",
        "Cấp Giấy xác nhận đủ điều kiện làm tổng đại lý kinh doanh xăng dầu",
        "Cấp Giấy chứng nhận đủ điều kiện an toàn thực phẩm đối với cơ sở sản xuất, kinh doanh thực phẩm do Sở Công Thương thực hiện",
        "Đăng ký tổ chức hội chợ, triển lãm thương mại", "Đăng ký thực hiện khuyến mại",
        "Cấp Giấy phép kinh doanh cho tổ chức kinh tế có vốn đầu tư nước ngoài",
        "Cấp Giấy chứng nhận đủ điều kiện thương nhân kinh doanh mua bán LPG",
    ]),
    ("H56-LV28", "Điện, hóa chất và vật liệu nổ công nghiệp", "H56.07", "1.003324", [("working_days", v) for v in (7, 10, 15)], [0, 800000], [
        "Cấp giấy phép hoạt động điện lực", "Cấp Giấy chứng nhận đủ điều kiện sản xuất hóa chất",
        "Cấp Giấy phép sử dụng vật liệu nổ công nghiệp", "Cấp Giấy phép kinh doanh khí",
        "Cấp Giấy chứng nhận huấn luyện kỹ thuật an toàn điện",
    ]),
    ("H56-LV36", "Giáo dục và Đào tạo", "H56.09", "1.004873", [("working_days", v) for v in (3, 5, 10, 20)], [0, 0, 10000], [
        "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "Chỉnh sửa nội dung văn bằng, chứng chỉ",
        "Công nhận văn bằng tốt nghiệp các cấp học phổ thông do cơ sở nước ngoài cấp",
        "Cho phép trung tâm ngoại ngữ, tin học hoạt động giáo dục", "Cấp phép hoạt động dạy thêm, học thêm",
        "Thành lập trường trung học phổ thông tư thục", "Cho phép trường trung học phổ thông hoạt động giáo dục",
        "Chuyển trường đối với học sinh trung học phổ thông", "Xin học lại tại trường khác đối với học sinh trung học",
        "Phúc khảo bài thi tốt nghiệp trung học phổ thông", "Cấp giấy chứng nhận hoàn thành chương trình giáo dục",
    ]),
    ("H56-LV37", "Khám bệnh, chữa bệnh và dược phẩm", "H56.11", "2.000789", [("working_days", v) for v in (10, 20, 30)], [0, 360000, 500000, 1500000], [
        "Cấp giấy phép hành nghề khám bệnh, chữa bệnh", "Cấp lại giấy phép hành nghề khám bệnh, chữa bệnh",
        "Cấp giấy phép hoạt động đối với phòng khám đa khoa", "Cấp giấy phép hoạt động đối với phòng khám chuyên khoa",
        "Cấp Chứng chỉ hành nghề dược", "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược cho cơ sở bán lẻ thuốc",
        "Cấp giấy xác nhận nội dung quảng cáo mỹ phẩm", "Tiếp nhận hồ sơ công bố sản phẩm mỹ phẩm",
        "Cấp giấy phép hoạt động đối với cơ sở dịch vụ thẩm mỹ",
        "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm đối với cơ sở kinh doanh dịch vụ ăn uống",
        "Cấp giấy chứng nhận bị phơi nhiễm HIV do tai nạn rủi ro nghề nghiệp", "Khám giám định y khoa lần đầu",
    ]),
    ("H56-LV38", "Du lịch, văn hóa và thể thao", "H56.16", "1.009946", [("working_days", v) for v in (5, 10, 15)], [0, 150000, 650000, 3000000], [
        "Cấp giấy phép kinh doanh dịch vụ lữ hành nội địa", "Cấp đổi giấy phép kinh doanh dịch vụ lữ hành",
        "Công nhận hạng cơ sở lưu trú du lịch", "Cấp thẻ hướng dẫn viên du lịch nội địa", "Cấp đổi thẻ hướng dẫn viên du lịch",
        "Cấp Giấy phép tổ chức biểu diễn nghệ thuật", "Cấp giấy phép triển lãm mỹ thuật",
        "Cấp giấy phép xây dựng tượng đài, tranh hoành tráng",
        "Cấp Giấy chứng nhận đủ điều kiện kinh doanh hoạt động thể thao", "Đăng ký tổ chức lễ hội cấp tỉnh",
        "Cấp giấy phép hoạt động in", "Cấp giấy xác nhận đăng ký hoạt động phát hành xuất bản phẩm",
        "Cấp giấy phép xuất bản bản tin", "Cấp phép nhập khẩu văn hóa phẩm không nhằm mục đích kinh doanh",
    ]),
    ("H56-LV39", "Khoa học, công nghệ và bưu chính", "H56.22", "2.000789", [("working_days", v) for v in (5, 10, 15, 20)], [0, 500000, 1000000], [
        "Cấp Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ", "Cấp Giấy phép tiến hành công việc bức xạ",
        "Cấp chứng chỉ nhân viên bức xạ", "Cấp Giấy chứng nhận doanh nghiệp khoa học và công nghệ",
        "Đăng ký kết quả thực hiện nhiệm vụ khoa học và công nghệ", "Cấp Giấy phép bưu chính",
        "Cấp văn bản xác nhận thông báo hoạt động bưu chính", "Cấp giấy phép thiết lập trang thông tin điện tử tổng hợp",
        "Đăng ký công bố hợp chuẩn", "Đăng ký kiểm tra nhà nước về chất lượng hàng hóa nhập khẩu",
        "Chỉ định tổ chức đánh giá sự phù hợp",
    ]),
    ("H56-LV43", "Tôn giáo và công tác dân tộc", "H56.24", "2.000555", [("working_days", v) for v in (10, 15, 30)], [0], [
        "Đăng ký hoạt động tôn giáo cho tổ chức có địa bàn hoạt động ở nhiều xã", "Đề nghị tổ chức cuộc lễ ngoài cơ sở tôn giáo",
        "Đề nghị giảng đạo ngoài địa bàn phụ trách", "Thông báo người được phong phẩm hoặc suy cử làm chức sắc",
        "Đăng ký người được bổ nhiệm, bầu cử, suy cử làm chức việc", "Đề nghị mở lớp bồi dưỡng về tôn giáo",
        "Công nhận người có uy tín trong đồng bào dân tộc thiểu số",
        "Đề nghị thành lập, chia, tách, sáp nhập tổ chức tôn giáo trực thuộc",
    ]),
    ("H56-LV44", "Đầu tư và xây dựng trong khu kinh tế", "H56.26", "1.009645", [("working_days", v) for v in (10, 15)] + [("calendar_days", 30)], [0, 0, 400000], [
        "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án trong khu kinh tế",
        "Điều chỉnh Giấy chứng nhận đăng ký đầu tư đối với dự án trong khu công nghiệp",
        "Cấp giấy phép xây dựng công trình trong khu kinh tế",
        "Cấp giấy phép lao động cho người nước ngoài làm việc trong khu công nghiệp",
        "Thẩm định báo cáo đánh giá tác động môi trường dự án trong khu kinh tế",
        "Xác nhận hợp đồng thuê lại đất trong khu công nghiệp", "Chấm dứt hoạt động dự án đầu tư trong khu kinh tế",
        "Đăng ký nội quy lao động của doanh nghiệp trong khu công nghiệp",
    ]),
    ("H56-LV45", "Quyết định của Ủy ban nhân dân tỉnh", "H56", "1.004235", [("working_days", 20), ("calendar_days", 30), ("calendar_days", 45)], [0], [
        "Giao đất, cho thuê đất có thu tiền sử dụng đất đối với tổ chức thông qua đấu giá",
        "Thu hồi đất vì mục đích quốc phòng, an ninh, phát triển kinh tế - xã hội",
        "Quyết định chủ trương đầu tư dự án đầu tư công nhóm B, nhóm C",
        "Phê duyệt quy hoạch chi tiết xây dựng tỷ lệ 1/500", "Công nhận xã đạt chuẩn nông thôn mới",
    ]),
]

# Specialist step names, by position.
STEP_NAMES = [
    "Thẩm định hồ sơ", "Kiểm tra, xác minh thông tin", "Dự thảo kết quả giải quyết", "Kiểm tra thực địa",
    "Lấy ý kiến cơ quan liên quan", "Tổng hợp, trình phê duyệt",
]
RESULT_PREFIXES = [("Cấp", "Giấy chứng nhận"), ("Đăng ký", "Trích lục"), ("Chứng thực", "Bản sao có chứng thực")]
LEGAL = ["Luật Thủ tục hành chính", "Nghị định 61/2018/NĐ-CP", "Nghị định 118/2025/NĐ-CP", "Nghị định 107/2021/NĐ-CP",
         "Thông tư 01/2018/TT-VPCP", "Quyết định công bố danh mục thủ tục hành chính của Chủ tịch UBND tỉnh"]
COMPONENT_NAMES = [
    ("Tờ khai theo mẫu", True),
    ("Văn bản đề nghị theo mẫu", True),
    ("Giấy tờ chứng minh nhân thân của người yêu cầu", True),
    ("Giấy ủy quyền trong trường hợp ủy quyền thực hiện thủ tục", False),
    ("Bản sao giấy tờ chứng minh điều kiện theo quy định", True),
    ("Bản thuyết minh, báo cáo kèm theo", False),
    ("Bản vẽ, sơ đồ vị trí", True),
    ("Ảnh chân dung cỡ 4x6", False),
    ("Giấy khám sức khỏe do cơ sở y tế có thẩm quyền cấp", True),
    ("Bản sao văn bằng, chứng chỉ chuyên môn", True),
]

for _name in list(globals()):
    if _name.isupper():
        globals()[_name] = _nfc(globals()[_name])
