//! Display masking.

use jindu_crypto::{mask_address, mask_id_number, mask_name, mask_phone};

#[test]
fn names() {
    assert_eq!(mask_name("张三明"), "张*明");
    assert_eq!(mask_name("张三"), "张*");
    assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
    assert_eq!(mask_name("张"), "张");
    assert_eq!(mask_name(""), "");
    assert_eq!(mask_name(" 李四 "), "李*");
    assert_eq!(mask_name("买买提·艾力"), "买****力");
}

#[test]
fn phones() {
    assert_eq!(mask_phone("13812345678"), "138****5678");
    assert_eq!(mask_phone("073188886666"), "073******666");
    assert_eq!(mask_phone("110"), "1**");
    assert_eq!(mask_phone(""), "");
}

#[test]
fn id_numbers() {
    assert_eq!(mask_id_number("430405199001011234"), "430405********1234");
    assert_eq!(mask_id_number("43040519900101X"), "4304********01X");
    assert_eq!(mask_id_number("123456789"), "12*****89");
    assert_eq!(mask_id_number("1234"), "1**4");
    assert_eq!(mask_id_number("12"), "**");
    assert_eq!(mask_id_number("1"), "*");
    assert_eq!(mask_id_number(""), "");
}

#[test]
fn addresses() {
    assert_eq!(mask_address("湖南省长沙市岳麓区麓山南路88号"), "湖南省长沙市****");
    assert_eq!(mask_address("北京市朝阳区"), "北京市****");
    assert_eq!(mask_address("某村"), "某****");
    assert_eq!(mask_address(""), "");
}
